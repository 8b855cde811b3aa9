// Starts Blazor with the circuit on a WebSocket only and no negotiate request: one circuit lives on
// one node for the life of its WebSocket, so nodes behind a round-robin balancer need no sticky
// sessions. A file rather than an inline script, so the Content-Security-Policy allows 'self' only.
// The portal's page (/portal#pt_...): its token rides in the fragment, which no browser sends to a
// server. Read it before Blazor starts (so not even the circuit's start message carries the URL), take
// it out of the address bar, and keep it in this closure until the circuit takes it, once (ADR 031).
// A reload therefore has no token: the page asks to open the link again.
var isPortal = location.pathname === '/portal' || location.pathname.indexOf('/portal/') === 0;
if (isPortal) {
    var portalToken = location.hash.indexOf('#pt_') === 0 ? location.hash.substring(1) : null;
    if (location.hash) {
        history.replaceState(null, '', location.pathname + location.search);
    }
    window.smartApiPortal = {
        takeToken: function () {
            var token = portalToken;
            portalToken = null;
            return token;
        }
    };
}

Blazor.start({
    circuit: {
        configureSignalR: function (builder) {
            // A portal's circuit is marked so that the server leaves its WebSocket uncompressed (it may be framed).
            builder.withUrl(isPortal ? '_blazor?portal' : '_blazor', { skipNegotiation: true, transport: 1 /* WebSockets */ });
        }
    }
});

// The copy buttons (credentials shown once): no inline handlers under the CSP.
document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-copy-target]');
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute('data-copy-target'));
    if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim());
    }
});
