"""Screens of the app: practice, review, author, devices, and the help and confirm modals."""
