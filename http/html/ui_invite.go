package html

import (
	"net/http"
	"strings"

	"github.com/ucxdev/ucx"
)

// uiInvitePage is the page on which an invited user chooses a password:
// the link of an invitation (POST /api/v1/users without a password) opens
// it. The operator who invited the user never learns the password.
type uiInvitePage struct {
	uiBase
	Form        *uiForm
	Token       string
	Unavailable bool // the server cannot make sessions
}

func (s *UI) uiInvitePage(w http.ResponseWriter, r *http.Request) {
	pg := &uiInvitePage{uiBase: s.newBase(r, nil, "invite", "title.invite"), Form: newUIForm(),
		Token: strings.TrimSpace(r.URL.Query().Get("token"))}
	_, ok := s.Sessions.(ucx.WebSessionService)
	pg.Unavailable = !ok
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	s.render(w, r, pg)
}

// uiAcceptInvitation sets the password with the same AcceptInvitation the
// API uses, then signs the user in as the login page does.
func (s *UI) uiAcceptInvitation(w http.ResponseWriter, r *http.Request) {
	pg := &uiInvitePage{uiBase: s.newBase(r, nil, "invite", "title.invite"), Form: newUIForm()}
	w.Header().Set("Referrer-Policy", "no-referrer")
	ws, ok := s.Sessions.(ucx.WebSessionService)
	if !ok {
		pg.Unavailable = true
		pg.status = http.StatusServiceUnavailable
		s.render(w, r, pg)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		pg.Error = pg.T("error.form")
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	pg.Token = strings.TrimSpace(r.PostForm.Get("token"))
	pass, again := r.PostForm.Get("password"), r.PostForm.Get("password_repeat")
	switch {
	case pass == "":
		pg.Form.Errors["password"] = pg.T("login.password_required")
	case pass != again:
		pg.Form.Errors["password_repeat"] = pg.T("invite.mismatch")
	case len(pass) > 1024:
		pg.Form.Errors["password"] = pg.errText(ucx.Errorf(ucx.EINVALID, "the password is longer than 1024 bytes"))
	}
	if pg.Form.HasErrors() {
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	p, err := s.OrgService.AcceptInvitation(r.Context(), pg.Token, pass)
	if err != nil {
		if ucx.ErrorCode(err) != ucx.EINVALID {
			s.uiError(w, r, nil, err)
			return
		}
		field := ucx.ErrorField(err)
		if field != "password" {
			field = "token"
		}
		pg.Form.Errors[field] = pg.errText(err)
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	secret, err := ws.CreateSession(r.Context(), p.UserID)
	if err != nil {
		s.uiError(w, r, nil, err)
		return
	}
	s.observe(r, p, nil)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
