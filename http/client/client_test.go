package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
)

// TestClient_ErrorAnswersBecomeUcxErrors checks the client's side of the
// one error shape without a ucx server: an API error body comes back as
// the *ucx.Error it describes, and an answer without that shape (a
// proxy's page) still gets the code its status stands for.
func TestClient_ErrorAnswersBecomeUcxErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    string
		wantField   string
		wantMessage string
	}{
		{"API error body", 422, "application/json", `{"error":{"code":"` + ucx.ERULE + `","message":"R3: no outlet","field":"outlet_ids"}}`, ucx.ERULE, "outlet_ids", "R3: no outlet"},
		{"proxy page 502", 502, "text/html", "<html>Bad Gateway</html>", ucx.EINTERNAL, "", "the server answered 502: <html>Bad Gateway</html>"},
		{"proxy 503 without body", 503, "text/plain", "", ucx.EUNAVAILABLE, "", "the server answered 503: Service Unavailable"},
		{"proxy 413", 413, "text/plain", "too big", ucx.ETOOLARGE, "", "the server answered 413: too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := client.New(srv.URL, "t").Me(context.Background())
			var e *ucx.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T); want a *ucx.Error", err, err)
			}
			if e.Code != tt.wantCode || e.Field != tt.wantField || e.Message != tt.wantMessage {
				t.Errorf("err = code %q field %q message %q; want %q %q %q", e.Code, e.Field, e.Message, tt.wantCode, tt.wantField, tt.wantMessage)
			}
		})
	}
}

// TestClient_UnreachableServerIsUnavailable: a server that cannot be
// reached is EUNAVAILABLE, naming the address.
func TestClient_UnreachableServerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := client.New(url, "").Health(context.Background())
	if ucx.ErrorCode(err) != ucx.EUNAVAILABLE {
		t.Fatalf("Health of a closed server = %v (code %q); want %s", err, ucx.ErrorCode(err), ucx.EUNAVAILABLE)
	}
}
