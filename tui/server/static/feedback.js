// The take page's answer form: a live character count, and recording the teacher's voice with MediaRecorder.
// The recording (WebM/Opus in Chromium) is decoded by the browser and handed to the form's file input as 16-bit
// WAV, which the server keeps as FLAC: the learner's app cannot read WebM. A chosen file the browser can decode
// is sent as WAV the same way. Without this script the form still works: comment, words and a file input.
(function () {
  "use strict";
  var MAX_SECONDS = 30;
  var form = document.getElementById("feedback-form");
  if (!form) return;
  var comment = document.getElementById("comment");
  var count = document.getElementById("comment-count");
  var fileInput = document.getElementById("audio-file");
  var preview = document.getElementById("clip-preview");
  var recorderBox = document.getElementById("recorder");
  var button = document.getElementById("record");
  var state = document.getElementById("record-state");

  comment.addEventListener("input", function () { count.textContent = String(comment.value.length); });

  function wav(buffer) {
    var rate = buffer.sampleRate, frames = buffer.length, channels = buffer.numberOfChannels;
    var mono = new Float32Array(frames);
    for (var c = 0; c < channels; c++) {
      var data = buffer.getChannelData(c);
      for (var i = 0; i < frames; i++) mono[i] += data[i] / channels;
    }
    var out = new DataView(new ArrayBuffer(44 + frames * 2));
    function text(at, s) { for (var k = 0; k < s.length; k++) out.setUint8(at + k, s.charCodeAt(k)); }
    text(0, "RIFF"); out.setUint32(4, 36 + frames * 2, true); text(8, "WAVE"); text(12, "fmt ");
    out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true);
    out.setUint32(24, rate, true); out.setUint32(28, rate * 2, true); out.setUint16(32, 2, true);
    out.setUint16(34, 16, true); text(36, "data"); out.setUint32(40, frames * 2, true);
    for (var j = 0; j < frames; j++) {
      var v = Math.max(-1, Math.min(1, mono[j]));
      out.setInt16(44 + j * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
    }
    return new Blob([out.buffer], { type: "audio/wav" });
  }

  function attach(blob, what) {
    return blob.arrayBuffer().then(function (bytes) {
      var context = new (window.AudioContext || window.webkitAudioContext)();
      return context.decodeAudioData(bytes).then(function (decoded) {
        context.close();
        var file = new File([wav(decoded)], "recording.wav", { type: "audio/wav" });
        var list = new DataTransfer();
        list.items.add(file);
        fileInput.files = list.files;
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
        state.textContent = what + " " + decoded.duration.toFixed(1) + " s: it is sent with the answer.";
        form.dataset.clip = decoded.duration.toFixed(2);
      });
    });
  }

  fileInput.addEventListener("change", function () {
    var chosen = fileInput.files && fileInput.files[0];
    if (!chosen || /^audio\/(wav|x-wav|flac|x-flac|ogg|mpeg)$/.test(chosen.type)) return;
    attach(chosen, "Converted").catch(function () { /* the server says why it cannot use the file */ });
  });

  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    if (!window.isSecureContext) {
      recorderBox.hidden = false;
      button.hidden = true;
      state.textContent = "Recording in the page needs HTTPS (server run --tls-cert): attach a file instead.";
    }
    return;
  }
  recorderBox.hidden = false;
  var recorder = null, chunks = [], timer = null, started = 0;

  function stop() {
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  button.addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) { if (event.data.size) chunks.push(event.data); });
      recorder.addEventListener("stop", function () {
        clearInterval(timer);
        stream.getTracks().forEach(function (track) { track.stop(); });
        button.textContent = "● Record again";
        state.textContent = "Preparing the recording…";
        attach(new Blob(chunks, { type: recorder.mimeType }), "Recorded").catch(function (error) {
          state.textContent = "The recording could not be read (" + error + "): attach a file instead.";
        });
      });
      recorder.start(250);
      started = Date.now();
      button.textContent = "■ Stop";
      state.textContent = "Recording… 0.0 s";
      timer = setInterval(function () {
        var seconds = (Date.now() - started) / 1000;
        state.textContent = "Recording… " + seconds.toFixed(1) + " s";
        if (seconds >= MAX_SECONDS) stop();
      }, 100);
    }).catch(function (error) {
      state.textContent = "No microphone (" + error.name + "): attach a file instead.";
    });
  });
})();
