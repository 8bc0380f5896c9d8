// poke.js: run in the top page of the browser test (chromium.sh) once every
// frame has loaded. It fires the events a reader could fire on every element
// of every frame (handlers that only run on hover, focus or click), follows
// links whose URL the browser resolves to javascript:, then marks the page
// DONE so the test knows the poking ran. Any script that runs reports itself
// through the alert/confirm/prompt/print reporters of its frame.
(function () {
  var EVENTS = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'click',
    'dblclick', 'contextmenu', 'focus', 'focusin', 'blur', 'pointerover', 'pointerdown',
    'pointerenter', 'keydown', 'keyup', 'keypress', 'input', 'change', 'submit', 'load',
    'error', 'toggle', 'animationstart', 'animationend', 'transitionend', 'scroll', 'wheel',
    'copy', 'paste', 'drag', 'dragstart', 'drop', 'play', 'begin', 'end', 'start',
    'beforeprint', 'afterprint', 'pageshow', 'hashchange', 'message', 'resize'];
  function scheme(doc, el) {
    var h = el.getAttribute('href') || el.getAttribute('xlink:href') ||
      el.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (el.href && el.href.animVal !== undefined) h = el.href.animVal;
    if (h === null || h === undefined) return '';
    try { return new URL(h, doc.baseURI).protocol; } catch (e) { return ''; }
  }
  function poke(frame) {
    var doc = frame.contentDocument, win = frame.contentWindow;
    if (!doc) return;
    var els = doc.querySelectorAll('*');
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      EVENTS.forEach(function (t) {
        try { el.dispatchEvent(new Event(t, {bubbles: false})); } catch (e) {}
      });
      try { if (el.focus) el.focus(); } catch (e) {}
      // Following a link is what a click does; only script URLs are followed,
      // the rest would leave the test page.
      if (scheme(doc, el) === 'javascript:') {
        try { el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); }
        catch (e) {}
        try { win.location.href = new URL(el.getAttribute('href') ||
          (el.href && el.href.animVal) || '', doc.baseURI).href; } catch (e) {}
      }
    }
    ['load', 'pageshow', 'hashchange', 'message', 'resize', 'focus'].forEach(function (t) {
      try { win.dispatchEvent(new Event(t)); } catch (e) {}
    });
  }
  function run() {
    var frames = document.querySelectorAll('iframe');
    for (var i = 0; i < frames.length; i++) poke(frames[i]);
    setTimeout(function () {
      document.getElementById('done').textContent = 'DONE ' + frames.length;
    }, 500);
  }
  if (document.readyState === 'complete') run();
  else window.addEventListener('load', run);
})();
