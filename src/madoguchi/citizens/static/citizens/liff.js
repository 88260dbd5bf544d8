// LIFF sign-in: get the LINE ID token and hand it to the server, which verifies it.
// In LINE's app the LIFF SDK supplies the token; in the demo's phone page the
// simulated LINE app passes it in the URL fragment (#id_token=...), as the sandbox
// plays LINE Login. Without JavaScript the e-mail form below still works.
(function () {
  "use strict";
  var box = document.getElementById("liff-sign-in");
  if (!box) { return; }
  var errorBox = document.getElementById("liff-error");

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function send(idToken) {
    var body = new URLSearchParams({ id_token: idToken, next: box.dataset.next || "" });
    fetch(box.dataset.signInUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok && data.next) { window.location.replace(data.next); }
        else { fail(data.message || "LINEでのログインに失敗しました。もう一度開き直してください。"); }
      });
    }).catch(function () { fail("通信できませんでした。電波のよい所でもう一度お試しください。"); });
  }

  var fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get("id_token")) {
    history.replaceState(null, "", window.location.pathname + window.location.search);  // keep the token out of history
    send(fragment.get("id_token"));
  } else if (window.liff && box.dataset.liffId) {
    window.liff.init({ liffId: box.dataset.liffId }).then(function () {
      if (!window.liff.isLoggedIn()) { window.liff.login({ redirectUri: window.location.href }); return; }
      var token = window.liff.getIDToken();
      if (token) { send(token); } else { fail("LINEの認証情報を取得できませんでした。"); }
    }).catch(function () { fail("LINEでのログインを開始できませんでした。メールでのログインをお使いください。"); });
  }
})();
