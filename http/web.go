package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/html"
)

// registerUIRoutes mounts the web UI (package html) on the server's mux,
// each page with the instrumentation every route shares. Its routes are
// kept out of s.routes: that list is the API's, which the OpenAPI
// description and the authorisation matrix are checked against. The UI
// gets the server's services and what only the server has: the login
// rate limiter, the stored documents' lookup, the upload reader, the
// cross-origin check and the request's log record.
func (s *Server) registerUIRoutes() {
	s.web = &html.UI{
		OrgService:            s.OrgService,
		ApplicationService:    s.ApplicationService,
		RequestService:        s.RequestService,
		LicenceService:        s.LicenceService,
		ImportService:         s.ImportService,
		CreditService:         s.CreditService,
		FiguresService:        s.FiguresService,
		NotificationService:   s.NotificationService,
		ShipmentService:       s.ShipmentService,
		DeregistrationService: s.DeregistrationService,
		Sessions:              s.Sessions,
		WebVerify:             func() html.VerifyFunc { return s.WebVerify },
		VerifyStored:          s.verifyStored,
		TrustAnchors:          s.TrustAnchors,
		ReadUpload:            s.readUpload,
		LoginAllowed:          s.loginAllowed,
		LoginFailed:           s.loginFailed,
		Observe:               observe,
		CSRF:                  s.csrf,
		MaxBodyBytes:          s.maxBody(),
		Logger:                s.logger,
		Now:                   s.now,
	}
	s.web.Register(func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.instrument("ui "+pattern, h))
	})
}

// observe records a page's principal and error in the request's
// instrumentation record, for its log line.
func observe(r *http.Request, p *ucx.Principal, err error) {
	info := infoFrom(r.Context())
	if info == nil {
		return
	}
	if p != nil {
		info.principal = p
	}
	if err != nil {
		info.err = err
	}
}
