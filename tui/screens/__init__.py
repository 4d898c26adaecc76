"""Screens of the app: practice, review, author, devices."""
