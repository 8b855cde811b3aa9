// Starts Blazor with the circuit on a WebSocket only and no negotiate request: one circuit lives on
// one node for the life of its WebSocket, so nodes behind a round-robin balancer need no sticky
// sessions. A file rather than an inline script, so the Content-Security-Policy allows 'self' only.
Blazor.start({
    circuit: {
        configureSignalR: function (builder) {
            builder.withUrl('_blazor', { skipNegotiation: true, transport: 1 /* WebSockets */ });
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
