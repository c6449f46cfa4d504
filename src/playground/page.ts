/**
 * The playground page: one HTML document with its style and script. The server renders Block Kit to HTML
 * (render-html.ts); this script only places it, polls for changes, and turns clicks, typed commands and
 * modal forms into calls to the playground's JSON API. No user text is ever inserted as HTML here except
 * the server's escaped renderings; names and labels go in with textContent.
 */

const STYLE = `
:root { --rail:#3f0e40; --rail-text:#e8d8e8; --accent:#1264a3; --line:#e2e2e2; --muted:#616061; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:#1d1c1d; height:100vh; display:flex; }
#rail { width:250px; background:var(--rail); color:var(--rail-text); display:flex; flex-direction:column; padding:12px 0; overflow:auto; }
#rail h1 { font-size:17px; margin:0 16px 10px; color:#fff; }
#rail .section { font-size:13px; margin:14px 16px 4px; opacity:.75; }
#rail a { display:block; padding:3px 16px 3px 24px; color:var(--rail-text); text-decoration:none; cursor:pointer; }
#rail a.active { background:var(--accent); color:#fff; }
#rail a:hover:not(.active) { background:#350d36; }
#who { margin:0 16px 8px; }
#who label { font-size:12px; opacity:.8; display:block; }
#who select { width:100%; padding:4px; margin-top:2px; }
#main { flex:1; display:flex; flex-direction:column; min-width:0; }
#top { border-bottom:1px solid var(--line); padding:10px 18px; display:flex; align-items:center; gap:12px; }
#top h2 { font-size:18px; margin:0; flex:1; }
#runmenu { position:relative; }
#runmenu > button { padding:5px 12px; }
#runlist { display:none; position:absolute; right:0; top:34px; background:#fff; border:1px solid var(--line); border-radius:6px; box-shadow:0 4px 14px rgba(0,0,0,.15); z-index:10; min-width:300px; }
#runlist.open { display:block; }
#runlist button { display:block; width:100%; text-align:left; border:0; background:none; padding:8px 14px; cursor:pointer; font:inherit; }
#runlist button small { display:block; color:var(--muted); }
#runlist button:hover { background:#f4f4f4; }
#notice { padding:6px 18px; background:#fff8dc; border-bottom:1px solid #f0e2a0; font-size:14px; display:none; }
#notice.show { display:block; }
#notice.error { background:#fde8e8; border-color:#f5b5b5; }
#messages { flex:1; overflow:auto; padding:8px 18px 18px; }
.msg { padding:8px 10px; border-radius:6px; margin:6px 0; }
.msg:hover { background:#f8f8f8; }
.msg.ephemeral { background:#f4f8fc; border-left:3px solid #9cc3e5; }
.msg.reply { margin-left:28px; border-left:2px solid #ddd; }
.meta { font-size:13px; color:var(--muted); margin-bottom:2px; }
.meta b { color:#1d1c1d; font-size:15px; }
.app { font-size:10px; background:#ddd; padding:0 3px; border-radius:2px; }
.only-you { font-style:italic; }
.shortcut { margin-left:8px; border:1px solid #ddd; background:#fff; border-radius:4px; font-size:12px; color:var(--muted); cursor:pointer; visibility:hidden; }
.msg:hover .shortcut { visibility:visible; }
.empty { color:var(--muted); }
#composer { border-top:1px solid var(--line); padding:10px 18px; display:flex; gap:8px; }
#composer input { flex:1; padding:9px 10px; border:1px solid #bbb; border-radius:6px; font:inherit; }
.bk-header { font-size:18px; margin:6px 0; }
.bk-section { display:flex; gap:12px; margin:4px 0; align-items:flex-start; }
.bk-main { flex:1; min-width:0; }
.bk-fields { display:grid; grid-template-columns:1fr 1fr; gap:4px 16px; margin-top:4px; }
.bk-context { font-size:13px; color:var(--muted); margin:4px 0; display:flex; gap:8px; flex-wrap:wrap; align-items:center; }
.bk-context .bk-img { width:18px; height:18px; }
.bk-divider { border:0; border-top:1px solid var(--line); margin:10px 0; }
.bk-actions { display:flex; gap:8px; flex-wrap:wrap; margin:8px 0 4px; }
.bk-button { border:1px solid #bbb; background:#fff; border-radius:4px; padding:4px 12px; font:inherit; font-size:14px; font-weight:600; cursor:pointer; color:#1d1c1d; text-decoration:none; }
.bk-button:hover { background:#f4f4f4; }
.bk-primary { background:#007a5a; border-color:#007a5a; color:#fff; }
.bk-primary:hover { background:#148567; }
.bk-danger { color:#e01e5a; border-color:#e01e5a; }
.bk-select { padding:4px; font:inherit; font-size:14px; }
.bk-img { max-width:360px; max-height:240px; border-radius:4px; }
.bk-image { margin:6px 0; }
.mention { background:#e8f5fa; color:#1264a3; border-radius:3px; padding:0 2px; }
code { background:#f6f6f6; border:1px solid #e8e8e8; border-radius:3px; padding:0 3px; font-size:13px; color:#e01e5a; }
pre { background:#f6f6f6; border:1px solid #e8e8e8; border-radius:4px; padding:8px; white-space:pre-wrap; }
q { display:block; border-left:3px solid #ddd; padding-left:8px; quotes:none; }
dialog { border:0; border-radius:10px; padding:0; width:min(560px, 94vw); box-shadow:0 10px 40px rgba(0,0,0,.35); }
dialog::backdrop { background:rgba(0,0,0,.45); }
.modal header { font-weight:700; font-size:19px; padding:16px 20px; border-bottom:1px solid var(--line); }
.modal-body { padding:10px 20px; max-height:65vh; overflow:auto; }
.modal footer { padding:12px 20px; border-top:1px solid var(--line); display:flex; justify-content:flex-end; gap:8px; }
.bk-input { margin:12px 0; }
.bk-label { display:block; font-weight:700; margin-bottom:4px; }
.bk-label small { font-weight:400; color:var(--muted); }
.bk-input .bk-text, .bk-input .bk-select { width:100%; padding:7px 8px; border:1px solid #bbb; border-radius:4px; font:inherit; }
.bk-hint { font-size:13px; color:var(--muted); margin-top:3px; }
.bk-error { color:#e01e5a; font-size:13px; margin-top:3px; }
.bk-error:empty { display:none; }
.bk-choices label { display:block; margin:2px 0; }
.bk-choices small { display:block; margin-left:22px; color:var(--muted); }
`;

const SCRIPT = `
(function () {
  var params = new URLSearchParams(location.search);
  var me = params.get('as') || localStorage.getItem('fh-as') || '';
  var where = params.get('where') || '';
  var defaults = {};
  var lastVersion = -1, lastModalKey = '', lastWhereKey = '', busy = false;
  var dialog = document.getElementById('modal');

  function api(path, body) {
    return fetch('/playground/api/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok || j.ok === false) throw new Error(j.error || ('HTTP ' + r.status)); return j; }); });
  }
  function notice(text, isError) {
    var n = document.getElementById('notice');
    n.textContent = text || '';
    n.className = text ? ('show' + (isError ? ' error' : '')) : '';
  }
  function fail(e) { notice(e.message || String(e), true); }

  function go(w) {
    where = w;
    lastVersion = -1;
    if (w === 'home') api('home', { as: me }).catch(fail);
    refresh();
  }

  function railLink(label, w, testId) {
    var a = document.createElement('a');
    a.textContent = label;
    a.dataset.where = w;
    a.dataset.testid = testId;
    if (w === where) a.className = 'active';
    a.onclick = function () { go(w); };
    return a;
  }

  function renderChrome(s) {
    var sel = document.getElementById('as');
    if (!sel.options.length) {
      s.people.forEach(function (p) {
        var o = document.createElement('option');
        o.value = p.id; o.textContent = p.name + ' (' + p.label + ')';
        sel.appendChild(o);
      });
    }
    sel.value = me;
    var links = document.getElementById('links');
    links.textContent = '';
    var h = document.createElement('div'); h.className = 'section'; h.textContent = 'Channels'; links.appendChild(h);
    s.channels.forEach(function (c) { links.appendChild(railLink('# ' + c.name, c.id, 'channel-' + c.name)); });
    var d = document.createElement('div'); d.className = 'section'; d.textContent = s.me.name; links.appendChild(d);
    links.appendChild(railLink('Foothold (DMs)', 'dm', 'dm'));
    links.appendChild(railLink('App Home', 'home', 'home'));
    document.getElementById('title').textContent = s.title;
    var list = document.getElementById('runlist');
    list.textContent = '';
    if (s.empty) list.appendChild(runItem('Load the sample program', 'An empty database: fill it with 6 months of a realistic program', function () {
      notice('Loading the sample program…');
      return api('seed', {});
    }));
    s.jobs.forEach(function (j) {
      list.appendChild(runItem('Run ' + j.name, j.description, function () { return api('run', { job: j.name }); }));
    });
    document.getElementById('composer').style.display = where === 'home' ? 'none' : '';
  }

  function runItem(label, desc, fn) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.testid = 'run-' + label.toLowerCase().replace(/[^a-z]+/g, '-');
    var small = document.createElement('small'); small.textContent = desc; b.appendChild(small);
    b.onclick = function () {
      document.getElementById('runlist').classList.remove('open');
      fn().then(function (r) { notice(r.text || 'Done.'); lastVersion = -1; refresh(); }).catch(fail);
    };
    return b;
  }

  function refresh() {
    if (!me) return;
    fetch('/playground/api/state?as=' + encodeURIComponent(me) + '&where=' + encodeURIComponent(where))
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.ok === false) { fail(new Error(s.error)); return; }
        var whereKey = me + '|' + where;
        if (whereKey !== lastWhereKey) { renderChrome(s); }
        if (s.version !== lastVersion || whereKey !== lastWhereKey) {
          renderChrome(s);
          var box = document.getElementById('messages');
          var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
          box.innerHTML = s.html;
          if (atBottom || whereKey !== lastWhereKey) box.scrollTop = box.scrollHeight;
          lastVersion = s.version;
        }
        lastWhereKey = whereKey;
        var key = s.modal ? s.modal.key : '';
        if (key !== lastModalKey) {
          lastModalKey = key;
          if (s.modal) {
            dialog.innerHTML = s.modal.html;
            if (!dialog.open) dialog.showModal();
          } else if (dialog.open) {
            dialog.close();
            dialog.innerHTML = '';
          }
        }
      })
      .catch(fail);
  }

  function formValues(form) {
    var out = {};
    form.querySelectorAll('.bk-input').forEach(function (box) {
      var id = box.dataset.blockId, type = box.dataset.type, vals = [];
      if (type === 'radio_buttons' || type === 'checkboxes') {
        box.querySelectorAll('input:checked').forEach(function (i) { vals.push(i.value); });
      } else if (type === 'multi_static_select') {
        var s = box.querySelector('select');
        Array.prototype.forEach.call(s.selectedOptions, function (o) { vals.push(o.value); });
      } else {
        var el = box.querySelector('input, textarea, select');
        if (el && el.value !== '') vals.push(el.value);
      }
      out[id] = vals;
    });
    return out;
  }

  function sendAction(el, extra) {
    var msg = el.closest('.msg');
    var surface = el.closest('[data-view-id]');
    var body = { as: me, actionId: el.dataset.actionId, blockId: el.dataset.blockId, type: el.dataset.type };
    if (el.dataset.value !== undefined) body.value = el.dataset.value;
    Object.assign(body, extra || {});
    if (surface) {
      body.viewId = surface.dataset.viewId;
      if (surface.tagName === 'FORM') body.form = formValues(surface);
    } else if (msg) {
      body.channel = msg.dataset.channel; body.ts = msg.dataset.ts;
      if (msg.dataset.ephemeral) body.ephemeral = true;
    }
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
    api('action', body).then(function () { notice(''); setTimeout(refresh, 150); }).catch(fail);
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var sc = t.closest('button[data-shortcut]');
    if (sc) {
      var m = sc.closest('.msg');
      api('shortcut', { as: me, channel: m.dataset.channel, ts: m.dataset.ts }).then(function () { notice(''); setTimeout(refresh, 150); }).catch(fail);
      return;
    }
    var b = t.closest('button.bk-button[data-action-id]');
    if (b) { ev.preventDefault(); sendAction(b); return; }
    if (t.closest('[data-modal-close]')) {
      var f = t.closest('form');
      api('close', { as: me, viewId: f.dataset.viewId }).then(refresh).catch(fail);
      return;
    }
    if (t.id === 'runbutton') { document.getElementById('runlist').classList.toggle('open'); return; }
    if (!t.closest('#runmenu')) document.getElementById('runlist').classList.remove('open');
  });

  document.addEventListener('change', function (ev) {
    var t = ev.target;
    if (!(t instanceof HTMLSelectElement) || !t.dataset.actionId || t.closest('.bk-input')) return;
    var opt = t.selectedOptions[0];
    if (!opt || !opt.value) return;
    sendAction(t, { selected: opt.value, selectedLabel: opt.textContent });
  });

  dialog.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target;
    f.querySelectorAll('.bk-error').forEach(function (e) { e.textContent = ''; });
    api('submit', { as: me, viewId: f.dataset.viewId, form: formValues(f) }).then(function (r) {
      var errors = r.errors || {};
      var first = null;
      Object.keys(errors).forEach(function (id) {
        var slot = f.querySelector('[data-error-for="' + CSS.escape(id) + '"]');
        if (slot) { slot.textContent = errors[id]; first = first || slot; }
      });
      if (first) first.scrollIntoView({ block: 'center' });
      setTimeout(refresh, 150);
    }).catch(fail);
  });
  dialog.addEventListener('cancel', function (ev) {
    ev.preventDefault();
    var f = dialog.querySelector('form');
    if (f) api('close', { as: me, viewId: f.dataset.viewId }).then(refresh).catch(fail);
  });

  document.getElementById('as').addEventListener('change', function (ev) {
    me = ev.target.value;
    localStorage.setItem('fh-as', me);
    lastModalKey = ''; lastWhereKey = '';
    go(defaults[me] || 'dm');
  });

  document.getElementById('composer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = document.getElementById('say');
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    api('command', { as: me, where: where, text: text }).then(function () { notice(''); setTimeout(refresh, 150); }).catch(fail);
  });

  bootstrap();

  function bootstrap() {
    fetch('/playground/api/people').then(function (r) { return r.json(); }).then(function (p) {
      var ids = p.people.map(function (x) { return x.id; });
      if (ids.indexOf(me) < 0) me = ids[0];
      defaults = p.defaultWhere;
      go(where || defaults[me] || 'dm');
      setInterval(function () { if (!document.hidden) refresh(); }, 800);
    }).catch(fail);
  }
})();
`;

export const PLAYGROUND_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Foothold playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
</head>
<body>
<nav id="rail">
  <h1>Foothold playground</h1>
  <div id="who"><label for="as">You are</label><select id="as" data-testid="you-are"></select></div>
  <div id="links"></div>
</nav>
<main id="main">
  <div id="top"><h2 id="title">Foothold</h2>
    <div id="runmenu"><button type="button" id="runbutton" class="bk-button">Run ▾</button><div id="runlist"></div></div>
  </div>
  <div id="notice" role="status"></div>
  <div id="messages" aria-live="polite"></div>
  <form id="composer" autocomplete="off"><input id="say" placeholder="Type /eql acme.com, /eql mine, /eql help… or a message" aria-label="Message"><button class="bk-button bk-primary">Send</button></form>
</main>
<dialog id="modal"></dialog>
<script>${SCRIPT}</script>
</body>
</html>
`;
