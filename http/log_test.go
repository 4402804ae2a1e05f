package http_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/webtest"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sqlstore"
	"github.com/ucxdev/ucx/tlog"
)

func logEntryJSON(i int) []byte {
	return fmt.Appendf(nil, `{"kind":"licence","digest":"sha256:%064x","org_id":%d}`, i, i%5)
}

// logFixture is a store holding n integrated entries, served over HTTP.
func logFixture(tb testing.TB, db *sqlstore.DB, n int) (*client.Client, note.Verifier, tlog.SignedCheckpoint) {
	tb.Helper()
	ctx := context.Background()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	signer, err := tlog.NewSigner("ucx.test/log", key)
	if err != nil {
		tb.Fatal(err)
	}
	vkey, _ := tlog.VerifierKey("ucx.test/log", key.Public().(ed25519.PublicKey))
	verifier, _ := tlog.ParseVerifierKey(vkey)
	if err := db.Update(ctx, "test", func(tx *sqlstore.Tx) error {
		for i := range n {
			if _, err := tx.AppendLeaf(ctx, logEntryJSON(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	cp, err := db.IntegrateLog(ctx, signer)
	if err != nil {
		tb.Fatal(err)
	}
	s := ucxhttp.NewServer()
	s.Log, s.LogVerifierKey = db, vkey
	s.Logger = webtest.DiscardLogger()
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(ts.Close)
	c := client.New(ts.URL, "")
	c.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	return c, verifier, cp
}

// TestLogAPI_ServesVerifiableProofsAndEntries checks every log route
// against what the store holds, over HTTP and without a token: the key
// and checkpoint verify, proofs by index and by hash (hex or base64) lead
// to the checkpoint's root, consistency proofs between sizes verify, and
// entries come back in order, capped.
func TestLogAPI_ServesVerifiableProofsAndEntries(t *testing.T) {
	webtest.Engines(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		const n = 1203
		c, verifier, cp := logFixture(t, db, n)

		vkey, err := c.LogKey(ctx)
		if err != nil || vkey != verifier.Name()+strings.TrimPrefix(vkey, verifier.Name()) || !strings.HasPrefix(vkey, "ucx.test/log+") {
			t.Fatalf("LogKey = %q, %v", vkey, err)
		}
		msg, err := c.LogCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		opened, err := tlog.OpenCheckpoint(msg, verifier)
		if err != nil || opened.Size != n || string(opened.Root) != string(cp.Root) {
			t.Fatalf("checkpoint %+v, %v", opened.Checkpoint, err)
		}

		for _, idx := range []int64{0, 1, 17, 1024, n - 1} {
			p, err := c.LogInclusionProof(ctx, idx, -1)
			if err != nil {
				t.Fatal(err)
			}
			p.Entry = logEntryJSON(int(idx))
			if _, err := p.Verify(verifier); err != nil {
				t.Fatalf("proof of %d against the latest checkpoint: %v", idx, err)
			}
			// The same leaf at an older size, by hash.
			size := idx + 1 + (n-idx-1)/2
			p, err = c.LogInclusionProofByHash(ctx, tlog.LeafHash(logEntryJSON(int(idx))), size)
			if err != nil {
				t.Fatal(err)
			}
			if p.Index != idx || p.TreeSize != size || p.Checkpoint != "" {
				t.Fatalf("by hash: %+v", p)
			}
			root := refRootOf(int(size))
			if err := tlog.VerifyInclusion(idx, size, p.LeafHash, p.Hashes, root); err != nil {
				t.Fatalf("proof of %d in %d by hash: %v", idx, size, err)
			}
			// A wrong entry does not verify.
			p, _ = c.LogInclusionProof(ctx, idx, -1)
			p.Entry = logEntryJSON(int(idx) + 1)
			if _, err := p.Verify(verifier); ucx.ErrorCode(err) != ucx.EINVALID {
				t.Fatalf("a proof of the wrong entry verified: %v", err)
			}
		}
		for _, sizes := range [][2]int64{{0, n}, {1, n}, {7, 600}, {512, 1024}, {n, n}} {
			p, err := c.LogConsistencyProof(ctx, sizes[0], sizes[1])
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyConsistency(sizes[0], sizes[1], p.Hashes, refRootOf(int(sizes[0])), refRootOf(int(sizes[1]))); err != nil {
				t.Fatalf("consistency %v: %v", sizes, err)
			}
		}
		p, err := c.LogConsistencyProof(ctx, 100, -1)
		if err != nil || p.To != n || p.Checkpoint != string(cp.Note) {
			t.Fatalf("consistency to latest: %+v, %v", p, err)
		}

		es, err := c.LogEntries(ctx, 100, 5000)
		if err != nil || len(es) != wire.MaxLogEntries || es[0].Index != 100 || string(es[999].Entry) != string(logEntryJSON(1099)) {
			t.Fatalf("entries 100..: %d, %v", len(es), err)
		}
		if es, err := c.LogEntries(ctx, n-3, n+10); err != nil || len(es) != 3 {
			t.Fatalf("entries past the end: %d, %v", len(es), err)
		}
		if es, err := c.LogEntries(ctx, n+10, n+20); err != nil || len(es) != 0 {
			t.Fatalf("entries beyond the log: %d, %v", len(es), err)
		}
	})
}

// refRootOf is the root of the first n fixture entries, computed apart
// from the store.
func refRootOf(n int) []byte {
	t := tlog.NewTree()
	for i := range n {
		t.Append(tlog.LeafHash(logEntryJSON(i)), nil)
	}
	return t.Root()
}

// TestLogAPI_RefusesBadParametersClearly: every malformed or impossible
// request is a 4xx in the error shape with a message, never a 500.
func TestLogAPI_RefusesBadParametersClearly(t *testing.T) {
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	c, _, _ := logFixture(t, db, 10)
	for _, tc := range []struct {
		path, code, field, says string
	}{
		{"/api/v1/log/proof/inclusion", ucx.EINVALID, "", "exactly one of index or hash"},
		{"/api/v1/log/proof/inclusion?index=1&hash=" + strings.Repeat("00", 32), ucx.EINVALID, "", "exactly one"},
		{"/api/v1/log/proof/inclusion?index=-1", ucx.EINVALID, "index", "integer of 0 or more"},
		{"/api/v1/log/proof/inclusion?index=x", ucx.EINVALID, "index", "integer"},
		{"/api/v1/log/proof/inclusion?hash=zz", ucx.EINVALID, "hash", "hex (64 digits) or base64"},
		{"/api/v1/log/proof/inclusion?index=1&size=abc", ucx.EINVALID, "size", "tree size"},
		{"/api/v1/log/proof/inclusion?index=1&size=11", ucx.ENOTFOUND, "", "latest checkpoint is of 10"},
		{"/api/v1/log/proof/inclusion?index=10", ucx.ENOTFOUND, "", "not in the tree of 10"},
		{"/api/v1/log/proof/inclusion?index=5&size=5", ucx.ENOTFOUND, "", "not in the tree of 5"},
		{"/api/v1/log/proof/inclusion?hash=" + hex.EncodeToString(tlog.LeafHash([]byte("never logged"))), ucx.ENOTFOUND, "", "no such entry"},
		{"/api/v1/log/proof/consistency", ucx.EINVALID, "from", "required"},
		{"/api/v1/log/proof/consistency?from=5&to=3", ucx.EINVALID, "from", "a log only grows"},
		{"/api/v1/log/proof/consistency?from=5&to=99", ucx.ENOTFOUND, "", "no tree of 99"},
		{"/api/v1/log/proof/consistency?from=99", ucx.EINVALID, "from", "larger than to"},
		{"/api/v1/log/entries", ucx.EINVALID, "start", "required"},
		{"/api/v1/log/entries?start=5&end=2", ucx.EINVALID, "end", "before start"},
		{"/api/v1/log/entries?start=-5", ucx.EINVALID, "start", "0 or more"},
	} {
		resp, err := c.HTTPClient.Get(c.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var er wire.ErrorResponse
		json.Unmarshal(body, &er)
		if resp.StatusCode != wire.ErrorStatusCode(tc.code) || er.Error.Code != tc.code || er.Error.Field != tc.field || !strings.Contains(er.Error.Message, tc.says) {
			t.Errorf("GET %s = %d %s; want %s field %q saying %q", tc.path, resp.StatusCode, body, tc.code, tc.field, tc.says)
		}
	}
	// The largest index is past the end of any log: no entries, and no
	// overflowed end in an error (start + the page size overflowed before).
	resp, err := c.HTTPClient.Get(c.URL + "/api/v1/log/entries?start=9223372036854775807")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var es wire.LogEntries
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &es) != nil || len(es.Entries) != 0 {
		t.Errorf("entries from the largest index: %d %s; want 200 and none", resp.StatusCode, body)
	}
	// A server without a log answers 503, not 404: the routes exist.
	s := ucxhttp.NewServer()
	s.Logger = webtest.DiscardLogger()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/log/checkpoint", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("no log: %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkLogProofs serves inclusion proofs of random leaves in a tree of
// 100,000 from parallel readers, from the store and then over HTTP, in one
// run on a SQLite file as `ucx serve` uses it:
//
//	go test ./http -run '^$' -bench LogProofs -benchtime 3s
func BenchmarkLogProofs(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const size = 100_000
	c, _, cp := logFixture(b, db, size)
	b.Run("store", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				if _, err := db.InclusionProof(ctx, r.Int64N(size), cp.Size); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
	})
	b.Run("http", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				if _, err := c.LogInclusionProof(ctx, r.Int64N(size), cp.Size); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proofs/s")
	})
}

// TestLogAPI_AnswersMatchTheirSchemas checks real log answers against the
// OpenAPI document's closed schemas.
func TestLogAPI_AnswersMatchTheirSchemas(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(ucxhttp.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	db := webtest.MustOpenDB(t, sqlstore.SQLite)
	c, _, _ := logFixture(t, db, 12)
	for _, s := range []struct{ schema, path string }{
		{"LogInclusion", "/api/v1/log/proof/inclusion?index=3"},
		{"LogInclusion", "/api/v1/log/proof/inclusion?hash=" + hex.EncodeToString(tlog.LeafHash(logEntryJSON(4))) + "&size=9"},
		{"LogConsistency", "/api/v1/log/proof/consistency?from=3"},
		{"LogConsistency", "/api/v1/log/proof/consistency?from=3&to=7"},
		{"LogEntries", "/api/v1/log/entries?start=2&end=5"},
		{"Error", "/api/v1/log/entries?start=x"},
	} {
		resp, err := c.HTTPClient.Get(c.URL + s.path)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil || (resp.StatusCode >= 400) != (s.schema == "Error") {
			t.Fatalf("GET %s: %d, %v", s.path, resp.StatusCode, err)
		}
		for _, problem := range conform(doc, map[string]any{"$ref": "#/components/schemas/" + s.schema}, v, "$") {
			t.Errorf("GET %s: %s", s.path, problem)
		}
	}
}
