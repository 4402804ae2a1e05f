package webtest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
	"golang.org/x/mod/sumdb/note"
)

// WithLog serves the world's store's log as `ucx serve` does and returns
// the integrate step and the pinned verifier.
func WithLog(t testing.TB, w *World, seed byte) (func(), note.Verifier) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	key[0] ^= seed
	key = ed25519.NewKeyFromSeed(key.Seed())
	signer, err := tlog.NewSigner("ucx.test/log", key)
	if err != nil {
		t.Fatal(err)
	}
	vkey, _ := tlog.VerifierKey("ucx.test/log", key.Public().(ed25519.PublicKey))
	v, err := tlog.ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	w.Server.Log, w.Server.LogVerifierKey = w.DB, vkey
	w.Server.WebVerify = func(ctx context.Context, doc []byte) (any, error) { return w.Server.Verify(ctx, doc) }
	return func() {
		if _, err := w.DB.IntegrateLog(context.Background(), signer); err != nil {
			t.Fatal(err)
		}
	}, v
}

// BundleOf fetches the verification bundle of the document with digest.
func (w *World) BundleOf(t testing.TB, digest string) *bundle.Bundle {
	t.Helper()
	r := w.Raw("authority.viewer", "GET", "/api/v1/documents/"+digest+"/bundle", "")
	if r.Status != 200 {
		t.Fatalf("bundle: %d %s", r.Status, r.Body)
	}
	bu, err := bundle.Parse(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bu
}

// Root is the platform's root public key, from GET /api/v1/trust-root.
func (w *World) Root(t *testing.T) *seal.PublicKey {
	t.Helper()
	root, err := seal.ParsePublicKeyPEM(w.Raw("", "GET", "/api/v1/trust-root", "").Body)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// MustDocument returns the document a sealed envelope carries.
func MustDocument(t *testing.T, env []byte) []byte {
	t.Helper()
	e, err := seal.ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	return e.Document
}

// DocOf returns the sealed confirmation's digest of request id, from
// the store.
func DocOf(t testing.TB, w *World, kind string, id int64) *ucx.Document {
	t.Helper()
	d, err := w.DB.DocumentFor(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("no sealed %s %d: %v", kind, id, err)
	}
	return d
}

// ImportHeader is the heading line of an import CSV.
const ImportHeader = "vin,brand,model,registration_date,transfer_date,destination,cert_brand,cert_model,cert_registration_date,cert_transfer_date,inspection_report,buyer,contract_number,energy_type,battery_kwh\n"

// ImportLine is one good CSV row for vin, registered on reg.
func ImportLine(v string, reg ucx.Date) string {
	tr := reg.AddDays(20)
	return fmt.Sprintf("%s,Testa,T1 EV,%s,%s,RU,Testa,T1 EV,%s,%s,CMA-1,OOO Avto,HT-1,battery_electric,60\n", v, reg, tr, reg, tr)
}

// ImportCSV is a file of n good rows and one with a wrong check digit.
func (w *World) ImportCSV(n int) string {
	var b strings.Builder
	b.WriteString(ImportHeader)
	for i := 0; i < n; i++ {
		b.WriteString(ImportLine(w.VINFor(MakerWMI), OldReg))
	}
	bad := []byte(w.VINFor(MakerWMI))
	bad[8] ^= 1
	b.WriteString(ImportLine(string(bad), OldReg))
	return b.String()
}

// MarshalBundle encodes bu as JSON.
func MarshalBundle(t testing.TB, bu *bundle.Bundle) []byte {
	b, err := json.Marshal(bu)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RevokeOverHTTP revokes the sealed document of a workflow record through
// POST /api/v1/documents/{digest}/revoke as user.
func (w *World) RevokeOverHTTP(t *testing.T, user, kind string, id int64) {
	t.Helper()
	d, err := w.DB.DocumentFor(context.Background(), kind, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := w.Raw(user, "POST", "/api/v1/documents/"+d.Digest+"/revoke", `{"reason":"issued in error"}`); r.Status != 201 && r.Status != 200 {
		t.Fatalf("revoke %s %d: %d %s", kind, id, r.Status, r.Body)
	}
}

// Fingerprint hashes every row of every table, so a test can tell that
// requests wrote nothing at all.
func (w *World) Fingerprint(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	h := sha256.New()
	err := w.DB.View(ctx, "test.fingerprint", func(tx *sqlstore.Tx) error {
		q := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
		if w.DB.Engine() == sqlstore.Postgres {
			q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
		}
		rs, err := tx.Query(ctx, q)
		if err != nil {
			return err
		}
		var tables []string
		for rs.Next() {
			var name string
			if err := rs.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		for _, table := range tables {
			rs, err := tx.Query(ctx, "SELECT * FROM "+table)
			if err != nil {
				return err
			}
			cols, _ := rs.Columns()
			var rows []string
			for rs.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rs.Scan(ptrs...); err != nil {
					return err
				}
				rows = append(rows, fmt.Sprintf("%q", vals))
			}
			if err := rs.Close(); err != nil {
				return err
			}
			sort.Strings(rows)
			fmt.Fprintf(h, "%s %d\n%s\n", table, len(rows), strings.Join(rows, "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
