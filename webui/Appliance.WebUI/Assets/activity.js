// The Activity page's live view (issue 8): while the page shows the newest events, asks /api/activity for those
// after the newest shown every 5 seconds and adds them on top, keeping at most 100 rows. Built with textContent only
// (no HTML from the server is parsed). Without JavaScript the page's "Newer events" link does the same by hand.
(function () {
  'use strict';
  var live = document.getElementById('activity-live');
  if (!live || live.dataset.live !== 'true') {
    return;
  }

  var body = live.querySelector('tbody');
  var status = document.getElementById('activity-status');
  var query = live.dataset.query;
  var newest = live.dataset.newest;
  var max = 100;

  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function pseudonym(text) {
    return text && text.indexOf('anon-') === 0 ? text + ' (pseudonym)' : (text || '');
  }

  function render(e) {
    var row = document.createElement('tr');
    row.id = 'event-' + e.id;
    if (e.blocked) {
      row.className = 'blocked';
    }

    var time = cell(row, '');
    var link = document.createElement('a');
    link.href = e.timeline;
    link.textContent = e.time;
    var hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ' — timeline around this event';
    link.appendChild(hidden);
    time.appendChild(link);
    cell(row, pseudonym(e.user));
    cell(row, pseudonym(e.device));
    cell(row, e.group);
    var name = cell(row, e.nameText);
    if (e.redactedList) {
      name.className = 'redacted';
    }

    cell(row, e.type);
    cell(row, e.source);
    cell(row, e.outcome);
    cell(row, e.categories);
    return row;
  }

  function show(rows, replace) {
    if (replace) {
      body.textContent = '';
    }

    for (var i = rows.length - 1; i >= 0; i--) {
      body.insertBefore(render(rows[i]), body.firstChild);
    }

    while (body.rows.length > max) {
      body.deleteRow(body.rows.length - 1);
    }
  }

  function poll() {
    var url = '/api/activity?' + (query ? query + '&' : '') + (newest && newest !== '0' ? 'after=' + newest : '');
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('the appliance answered ' + response.status);
        }

        return response.json();
      })
      .then(function (page) {
        if (page.moreNewer) {
          // More arrived than a page holds: jump to the newest rather than fall behind.
          newest = '';
          return poll();
        }

        show(page.rows, !newest);
        if (page.newest) {
          newest = String(page.newest);
        }

        if (page.rows.length > 0) {
          status.textContent = page.rows.length + ' new events at ' + new Date().toISOString().substring(11, 19) + ' UTC.';
        }
      })
      .catch(function (error) {
        status.textContent = 'Live updates stopped: ' + error.message + '. Reload the page.';
        clearInterval(timer);
      });
  }

  var timer = setInterval(poll, 5000);
})();
