package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
)

// fuzzEndpoint is one JSON endpoint FuzzAPIBodies posts to, as a party
// allowed to call it, so that a body which decodes reaches the store and
// the workflow rather than stopping at authorisation.
type fuzzEndpoint struct {
	method, path string
	user         string   // "" for none (login)
	seeds        []string // valid and near-valid bodies
}

// serverLog keeps the server's warnings and errors for the fuzz target to
// report beside a 5xx. The world's own logger writes to the *testing.F,
// which may not be called while the fuzz function runs.
type serverLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 64<<10 { // keep the tail: the lines of the last request
		l.buf.Reset()
	}
	return l.buf.Write(p)
}

func (l *serverLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	l.buf.Reset()
	return s
}

// FuzzAPIBodies posts arbitrary bodies to every JSON endpoint of the API —
// filing, the workflow actions, clearance, the live check, login, tokens,
// organisations and users — on a real server over the real store
// (in-memory SQLite), each as a party allowed to call it. Whatever the
// body, the answer is never a 5xx, and a 4xx carries the API's one error
// shape with the status its code stands for. A 2xx answer is valid JSON.
//
// The world (organisations, users, a pending request, an application under
// review, a licence, a draft) is built once per fuzz process; iterations
// only send a request. Bodies that succeed change the world (a request is
// approved, a token created), after which the same seed meets a conflict
// or a workflow refusal: still 4xx, still the error shape.
//
// scripts/fuzz.sh runs it for FUZZTIME; `go test ./http` replays the seeds.
func FuzzAPIBodies(f *testing.F) {
	db := webtest.MustOpenDB(f, sqlstore.SQLite)
	w := webtest.NewWorld(f, db)
	logs := &serverLog{}
	w.Server.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))

	_, req := w.Awaiting()
	_, req2 := w.Awaiting()
	review := w.UnderReview()
	review2 := w.UnderReview()
	lic := w.Licensed()
	draft := w.Draft()
	draft2 := w.Draft()
	app := webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.RecentReg))
	oldApp := webtest.MustJSON(w.Input(webtest.MakerWMI, webtest.OldReg))
	check := webtest.MustJSON(wire.CheckRequest{Vehicle: w.Input(webtest.MakerWMI, webtest.RecentReg).Vehicle, Destination: "RU"})
	path := func(format string, id int64) string { return fmt.Sprintf(format, id) }

	endpoints := []fuzzEndpoint{
		{"POST", "/api/v1/applications", "exporter.member", []string{
			app, oldApp,
			strings.Replace(app, `"destination":"RU"`, `"destination":"ru"`, 1),
			strings.Replace(app, `}`, `,"submit":true}`, 1),
			`{"vehicle":{"vin":"LM1ABCDE0S1000001","registration_date":"2026-01-16","mileage_km":-1}}`,
			`{"vehicle":{"battery_kwh":1e309}}`, `{"vehicle":{"seats":99999999999999999999}}`,
			`{"vehicle":null,"certificate":null}`, `null`, `{}`, `[]`, `"x"`, app[:len(app)/2],
		}},
		{"POST", path("/api/v1/requests/%d/approve", req.ID), "maker.member", []string{
			fmt.Sprintf(`{"version":%d,"outlet_ids":[%d]}`, req.Version, w.MakerRU),
			fmt.Sprintf(`{"version":%d,"outlet_ids":[%d]}`, req.Version, w.MakerKZ),
			fmt.Sprintf(`{"version":%d,"outlet_ids":[%d,%d,%d]}`, req.Version, w.MakerRU, w.MakerRU, w.Maker2RU),
			`{"version":1,"outlet_ids":[9223372036854775807]}`, `{"version":-1,"outlet_ids":[1]}`,
			`{"version":1,"outlet_ids":[1],"envelope":{}}`, `{"version":1,"outlet_ids":[1],"envelope":"eyJ9"}`,
			`{"version":1,"outlet_ids":[1],"envelope":null}`, `{"version":2147483648,"outlet_ids":[1]}`,
		}},
		{"POST", path("/api/v1/requests/%d/refuse", req2.ID), "maker.member", []string{
			fmt.Sprintf(`{"version":%d,"code":"other","text":"no outlet there"}`, req2.Version),
			`{"version":1,"code":" other ","text":""}`, `{"version":1,"code":"","text":"x"}`,
			`{"version":1,"code":"other","text":"` + strings.Repeat("字", 700) + `"}`,
		}},
		{"POST", path("/api/v1/applications/%d/licence", review.ID), "authority.member", []string{
			fmt.Sprintf(`{"version":%d}`, review.Version), `{}`, `{"version":1e3}`,
			fmt.Sprintf(`{"version":%d,"envelope":{"payload":"","signatures":[]}}`, review.Version),
			fmt.Sprintf(`{"version":%d,"envelope":"not an envelope"}`, review.Version),
		}},
		{"POST", path("/api/v1/applications/%d/refuse", review2.ID), "authority.member", []string{
			fmt.Sprintf(`{"version":%d,"code":"other","text":"the certificate is illegible"}`, review2.Version),
			`{"version":0,"code":"other"}`, `{"code":"other","text":"\u0000"}`,
		}},
		{"POST", path("/api/v1/licences/%d/clearance", lic.ID), "customs.member", []string{
			`{"port":"Horgos","declaration_number":"531620260000001234"}`,
			`{"port":"","declaration_number":""}`, `{"port":"` + strings.Repeat("p", 5000) + `","declaration_number":"D"}`,
			`{"port":"Horgos","declaration_number":"D-1","extra":1}`,
		}},
		{"POST", "/api/v1/check", "exporter.member", []string{
			check, `{}`, `{"application_date":"0001-01-01"}`, `{"application_date":"9999-12-31"}`,
			`{"vehicle":{"registration_date":"2026-03-10","transfer_date":"1900-01-01"},"destination":"KP"}`,
			`{"vehicle":{"vin":"` + strings.Repeat("Z", 4000) + `"}}`,
		}},
		{"POST", "/api/v1/auth/login", "", []string{
			`{"username":"exporter.member","password":"` + webtest.Password + `"}`,
			`{"username":"exporter.member","password":"` + webtest.Password + `","token_name":"fuzz"}`,
			`{"username":"exporter.member","password":"wrong"}`,
			`{"username":"` + strings.Repeat("u", 300) + `","password":"` + strings.Repeat("p", 2000) + `"}`,
			`{"username":"","password":""}`,
		}},
		{"POST", "/api/v1/tokens", "exporter.member", []string{
			`{"name":"ci"}`, `{"name":""}`, `{"name":"` + strings.Repeat("n", 1000) + `"}`, `{"name":"\ud800"}`,
		}},
		{"POST", "/api/v1/orgs", "operator.admin", []string{
			`{"kind":"customs","name":"拱北海关"}`,
			`{"kind":"exporter","name":"Fuzz Export","filing_number":"GD-2026-9999","filing_expires":"2027-01-01","region":"广东"}`,
			`{"kind":"manufacturer","name":"Fuzz Motor","brands":["Fz"],"wmis":["LZZ"],"outlets":[{"country":"RU","provider":"P","address":"A"}]}`,
			`{"kind":"manufacturer","name":"Fuzz Motor 2","wmis":["LM1"]}`, `{"kind":"operator","name":"x"}`,
		}},
		{"POST", path("/api/v1/applications/%d/submit", draft.ID), "exporter.member", []string{
			fmt.Sprintf(`{"version":%d}`, draft.Version), `{"version":null}`, `{"version":true}`,
		}},
		{"POST", path("/api/v1/applications/%d/withdraw", draft2.ID), "exporter.member", []string{
			fmt.Sprintf(`{"version":%d}`, draft2.Version), `{"version":-9223372036854775808}`,
		}},
		{"PUT", path("/api/v1/orgs/%d/standing", w.Orgs["exporter2"].ID), "authority.member", []string{
			`{"standing":"warned","reason":"late deregistration"}`, `{"standing":"normal","reason":""}`,
			`{"standing":"suspended","reason":"` + strings.Repeat("r", 3000) + `"}`,
		}},
		{"POST", path("/api/v1/orgs/%d/outlets", w.Orgs["maker"].ID), "maker.admin", []string{
			`{"country":"AE","provider":"Testa Gulf","address":"Al Quoz 3, Dubai","contact":"+971 4 000 0000"}`,
			`{"country":"CN","provider":"P","address":"A"}`, `{"country":"","provider":"","address":""}`,
		}},
		{"PUT", path("/api/v1/orgs/%d/wmis", w.Orgs["maker2"].ID), "maker2.admin", []string{
			`{"wmis":["LM2"]}`, `{"wmis":["LM2","LM2"]}`, `{"wmis":["LM1"]}`, `{"wmis":[]}`, `{"wmis":["lm2"]}`,
		}},
		{"POST", "/api/v1/users", "exporter.admin", []string{
			`{"username":"fuzz.user","role":"viewer","password":"` + webtest.Password + `"}`,
			`{"username":"fuzz.user2","role":"admin","password":"` + webtest.Password + `","org_id":1}`,
			`{"username":"fuzz user","role":"member","password":"` + strings.Repeat("p", 100) + `"}`,
		}},
	}
	for i, e := range endpoints {
		for _, s := range e.seeds {
			f.Add(uint8(i), []byte(s))
		}
	}

	// The handler is called in the fuzz goroutine rather than over a
	// socket: the same routes and middleware, but no connection goroutines
	// whose scheduling would make coverage differ from run to run — the
	// fuzzer would take every input for a new one and spend its time
	// minimising them.
	handler := w.TS.Config.Handler
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e := endpoints[int(which)%len(endpoints)]
		req := httptest.NewRequest(e.method, e.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if e.user != "" {
			req.Header.Set("Authorization", "Bearer "+w.Tokens[e.user])
		}
		logs.take() // only this request's lines below
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		resp := rec.Result()
		data := rec.Body.Bytes()
		status := resp.StatusCode
		switch {
		case status >= 500:
			t.Fatalf("%s %s with body %q: status %d %s\nserver log:\n%s", e.method, e.path, clipBody(body), status, clipBody(data), logs.take())
		case status >= 400:
			var er wire.ErrorResponse
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
				t.Fatalf("%s %s with body %q: status %d, body %q is not the error shape (%v)", e.method, e.path, clipBody(body), status, clipBody(data), err)
			}
			if want := wire.ErrorStatusCode(er.Error.Code); want != status {
				t.Fatalf("%s %s: code %s answered %d, but the status table says %d", e.method, e.path, er.Error.Code, status, want)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("%s %s: error answered as %q, want application/json", e.method, e.path, ct)
			}
		case status >= 200 && status < 300:
			if len(bytes.TrimSpace(data)) > 0 && !json.Valid(data) {
				t.Fatalf("%s %s: status %d with a body that is not JSON: %q", e.method, e.path, status, clipBody(data))
			}
		default:
			t.Fatalf("%s %s: unexpected status %d", e.method, e.path, status)
		}
	})
}
