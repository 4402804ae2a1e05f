package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/sqlstore"
)

// limitedServer serves w's server behind l on its own loopback port, with a
// clock the test moves; it returns the base URL and the clock's mover.
func limitedServer(t *testing.T, w *webtest.World, l ucxhttp.Limits) (string, func(time.Duration)) {
	t.Helper()
	var mu sync.Mutex
	now := webtest.TestNow
	w.Server.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := httptest.NewServer(w.Server.LimitedHandler(l))
	t.Cleanup(ts.Close)
	return ts.URL, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

// limitedGet sends GET path with the token (none when empty) and returns the
// status, the Retry-After header and the error code, if any.
func limitedGet(t *testing.T, base, path, token string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code := ""
	if resp.StatusCode >= 400 {
		r := &webtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
		code = r.ErrorBody(t).Code
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), code
}

// TestLimits_RatePerTokenAnswers429WithRetryAfter gives a token a burst of
// three requests and one a second: the fourth in the same instant is 429
// rate_limited with Retry-After, another token is not affected, /healthz is
// never limited, and a second later the first token may go on.
func TestLimits_RatePerTokenAnswers429WithRetryAfter(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	base, advance := limitedServer(t, w, ucxhttp.Limits{TokenRate: 1, TokenBurst: 3})
	a, b := w.Tokens["exporter.member"], w.Tokens["exporter2.member"]
	for i := 0; i < 3; i++ {
		if st, _, _ := limitedGet(t, base, "/api/v1/me", a); st != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, st)
		}
	}
	st, retry, code := limitedGet(t, base, "/api/v1/me", a)
	if st != 429 || code != ucx.ERATELIMIT || retry != "1" {
		t.Fatalf("4th request at once: %d %s Retry-After %q, want 429 rate_limited Retry-After 1", st, code, retry)
	}
	if st, _, _ := limitedGet(t, base, "/api/v1/me", b); st != 200 {
		t.Fatalf("another token was limited too: %d", st)
	}
	if st, _, _ := limitedGet(t, base, "/healthz", a); st != 200 {
		t.Fatalf("/healthz limited: %d", st)
	}
	advance(time.Second)
	if st, _, _ := limitedGet(t, base, "/api/v1/me", a); st != 200 {
		t.Fatalf("after a second the token may send one more: %d", st)
	}
	if st, _, _ := limitedGet(t, base, "/api/v1/me", a); st != 429 {
		t.Fatalf("but not two: %d", st)
	}
}

// TestLimits_RatePerAddressCoversEveryCredential limits one address to two
// requests at once whatever it sends: no token, a forged token, a real one.
// A client cannot walk around the limit by inventing tokens.
func TestLimits_RatePerAddressCoversEveryCredential(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	base, advance := limitedServer(t, w, ucxhttp.Limits{AddressRate: 0.5, AddressBurst: 2, TokenRate: 100})
	if st, _, _ := limitedGet(t, base, "/api/v1/me", "forged-1"); st != 401 {
		t.Fatalf("forged token: %d, want 401", st)
	}
	if st, _, _ := limitedGet(t, base, "/api/v1/openapi.json", ""); st != 200 {
		t.Fatalf("anonymous: %d", st)
	}
	st, retry, code := limitedGet(t, base, "/api/v1/me", w.Tokens["exporter.member"])
	if st != 429 || code != ucx.ERATELIMIT || retry != "2" {
		t.Fatalf("3rd request from the address: %d %s Retry-After %q, want 429 rate_limited Retry-After 2", st, code, retry)
	}
	advance(2 * time.Second)
	if st, _, _ := limitedGet(t, base, "/api/v1/me", w.Tokens["exporter.member"]); st != 200 {
		t.Fatalf("after the refill: %d", st)
	}
}

// TestLimits_RowsPerUpload refuses an upload over the row limit with 413
// too_large naming the file and the limit, before anything is stored, and
// accepts one at the limit; on both engines.
func TestLimits_RowsPerUpload(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		w := webtest.NewWorld(t, db)
		base, _ := limitedServer(t, w, ucxhttp.Limits{MaxImportRows: 5})
		c := client.New(base, w.Tokens["exporter.member"])
		ctx := context.Background()

		_, err := c.StartImport(ctx, nil, "six.csv", []byte(w.ImportCSV(5))) // 5 + 1 bad row
		if ucx.ErrorCode(err) != ucx.ETOOLARGE || ucx.ErrorField(err) != "file" || !strings.Contains(ucx.ErrorMessage(err), "more than 5 rows") {
			t.Fatalf("6 rows over a 5-row limit: %v, want too_large on file naming the limit", err)
		}
		r := w.Raw("exporter.member", "GET", "/api/v1/imports/1", "")
		if r.Status != 404 {
			t.Fatalf("the refused upload was stored: GET /imports/1 = %d", r.Status)
		}
		imp, err := c.StartImport(ctx, nil, "five.csv", []byte(w.ImportCSV(4)))
		if err != nil || imp.State != ucx.ImportQueued {
			t.Fatalf("5 rows at a 5-row limit: %v", err)
		}
		// The raw answer is 413 with the API's error shape.
		req, _ := http.NewRequest("POST", base+"/api/v1/imports?filename=six.csv", strings.NewReader(w.ImportCSV(5)))
		req.Header.Set("Authorization", "Bearer "+w.Tokens["exporter.member"])
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("raw upload over the row limit: %d, want 413", resp.StatusCode)
		}
	})
}

// TestLimits_DefaultRowLimitApplies checks that the zero Limits still
// enforce DefaultMaxImportRows (a file one row over it is refused) and
// that rates are off.
func TestLimits_DefaultRowLimitApplies(t *testing.T) {
	w := webtest.NewWorld(t, webtest.MustOpenDB(t, sqlstore.SQLite))
	base, _ := limitedServer(t, w, ucxhttp.Limits{})
	var b strings.Builder
	b.WriteString("vin\n")
	for i := 0; i <= ucxhttp.DefaultMaxImportRows; i++ {
		b.WriteString("V" + strconv.Itoa(i) + "\n")
	}
	c := client.New(base, w.Tokens["exporter.member"])
	_, err := c.StartImport(context.Background(), nil, "big.csv", []byte(b.String()))
	if ucx.ErrorCode(err) != ucx.ETOOLARGE {
		t.Fatalf("%d rows with the default limit: %v, want too_large", ucxhttp.DefaultMaxImportRows+1, err)
	}
	for i := 0; i < 50; i++ {
		if st, _, _ := limitedGet(t, base, "/api/v1/me", w.Tokens["exporter.member"]); st != 200 {
			t.Fatalf("request %d with no rate configured: %d", i, st)
		}
	}
}
