package html

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
)

// uiLoginPage is the sign-in form.
type uiLoginPage struct {
	uiBase
	Form        *uiForm
	Next        string
	Unavailable bool // the server cannot make sessions
}

func (s *UI) uiLoginPage(w http.ResponseWriter, r *http.Request) {
	pg := &uiLoginPage{uiBase: s.newBase(r, nil, "login", "title.login"), Form: newUIForm(),
		Next: uiLocalPath(r.URL.Query().Get("next"), "/")}
	_, ok := s.Sessions.(ucx.WebSessionService)
	pg.Unavailable = !ok
	s.render(w, r, pg)
}

// uiLogin signs a user in with the same Authenticate the API's login uses
// (with its per-account lock) and the same per-address limiters, then sets the session cookie:
// HttpOnly (no script reads it), SameSite=Lax (no cross-site post carries
// it) and Secure over TLS. The user goes back where they were headed.
func (s *UI) uiLogin(w http.ResponseWriter, r *http.Request) {
	pg := &uiLoginPage{uiBase: s.newBase(r, nil, "login", "title.login"), Form: newUIForm()}
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
	user := strings.TrimSpace(r.PostForm.Get("username"))
	pass := r.PostForm.Get("password")
	pg.Form.Values["username"] = user
	pg.Next = uiLocalPath(r.PostForm.Get("next"), "/")
	switch {
	case user == "":
		pg.Form.Errors["username"] = pg.T("login.username_required")
	case pass == "":
		pg.Form.Errors["password"] = pg.T("login.password_required")
	}
	if pg.Form.HasErrors() {
		pg.status = http.StatusBadRequest
		s.render(w, r, pg)
		return
	}
	if ok, wait := s.loginAllowed(r, user); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		pg.Error = pg.T("login.ratelimited", secs)
		pg.status = http.StatusTooManyRequests
		s.render(w, r, pg)
		return
	}
	var p *ucx.Principal
	var err error
	if len(user) > 200 || len(pass) > 1024 {
		err = ucx.Errorf(ucx.EUNAUTHORIZED, "wrong username or password")
	} else {
		p, err = s.OrgService.Authenticate(r.Context(), user, pass)
	}
	if err != nil {
		code := ucx.ErrorCode(err)
		if code != ucx.EUNAUTHORIZED && code != ucx.ERATELIMIT {
			s.uiError(w, r, nil, err)
			return
		}
		s.loginFailed(r)
		if code == ucx.ERATELIMIT {
			secs := int(math.Ceil(ucx.RetryAfter(err).Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			pg.Error = pg.T("login.locked", max(1, (secs+59)/60))
			pg.status = http.StatusTooManyRequests
			s.render(w, r, pg)
			return
		}
		pg.Error = pg.T("login.wrong")
		pg.status = http.StatusUnauthorized
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
	http.Redirect(w, r, pg.Next, http.StatusSeeOther)
}

// uiLogout ends the session in the store (so a copied cookie dies too) and
// clears the cookie.
func (s *UI) uiLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if ws, ok := s.Sessions.(ucx.WebSessionService); ok {
			if err := ws.DeleteSession(r.Context(), c.Value); err != nil {
				s.uiError(w, r, nil, err)
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login?done=signed_out", http.StatusSeeOther)
}

// uiHomePage is the landing page of an organisation without a dashboard
// of its own (the platform operator).
type uiHomePage struct{ uiBase }

// uiHome sends each party to where its work is: the exporter's dashboard,
// the manufacturer's inbox, the authority's review queue, the customs
// desk.
func (s *UI) uiHome(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	switch p.OrgKind {
	case ucx.KindExporter:
		s.uiDashboard(w, r, p)
	case ucx.KindManufacturer:
		http.Redirect(w, r, "/requests", http.StatusSeeOther)
	case ucx.KindAuthority:
		http.Redirect(w, r, "/review", http.StatusSeeOther)
	case ucx.KindCustoms:
		http.Redirect(w, r, "/customs", http.StatusSeeOther)
	default:
		s.render(w, r, &uiHomePage{uiBase: s.newBase(r, p, "home", "title.home")})
	}
}
