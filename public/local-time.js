// Shows every <time data-local> in the reader's own time zone. Without JavaScript the
// server's UTC text stays, which is why this is an enhancement and not a requirement.
(function () {
  var dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  var dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  var nodes = document.querySelectorAll('time[data-local]');
  for (var i = 0; i < nodes.length; i += 1) {
    var node = nodes[i];
    var value = new Date(node.getAttribute('datetime'));
    if (isNaN(value.getTime())) continue;
    node.textContent = (node.getAttribute('data-local') === 'date' ? dateOnly : dateTime).format(value);
    node.title = value.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  }
})();
