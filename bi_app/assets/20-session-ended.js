// When the server answers a Dash request with 401 (the session ended: idle
// too long, signed out in another tab, disabled), go to the sign-in page and
// come back here afterwards, instead of leaving a page that silently stopped
// updating. (bi_app.auth.guard; the refusal itself happens on the server.)
(function () {
    if (!window.fetch || window.eccSessionWatch) { return; }
    window.eccSessionWatch = true;
    const original = window.fetch;
    window.fetch = function (resource, init) {
        return original.call(this, resource, init).then(function (response) {
            const url = typeof resource === "string" ? resource : (resource && resource.url) || "";
            if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
                const here = window.location.pathname + window.location.search;
                window.location.assign("/login?reason=expired&next=" + encodeURIComponent(here));
            }
            return response;
        });
    };
})();
