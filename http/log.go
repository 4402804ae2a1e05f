package http

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/tlog"
)

// The transparency log's public API. Every route here is open to
// anyone without a token: a log that only the platform's customers could
// read would prove nothing to the manufacturers, authorities and auditors
// it exists for. Everything served is either signed (checkpoints) or
// checkable against something signed (proofs, entries), so serving it to
// strangers leaks nothing a verifier does not need.

func (s *Server) registerLogRoutes() {
	s.handle("GET /api/v1/log/key", s.handleLogKey)
	s.handle("GET /api/v1/log/checkpoint", s.handleLogCheckpoint)
	s.handle("GET /api/v1/log/proof/inclusion", s.handleLogInclusion)
	s.handle("GET /api/v1/log/proof/consistency", s.handleLogConsistency)
	s.handle("GET /api/v1/log/entries", s.handleLogEntries)
}

// logService returns the log, or EUNAVAILABLE when this server runs
// without one, so the routes exist (and are documented) either way.
func (s *Server) logService() (tlog.LogService, error) {
	if s.Log == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "this server runs without a transparency log")
	}
	return s.Log, nil
}

func writeText(w http.ResponseWriter, cache string, b []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", cache)
	w.Write(b)
}

// handleLogKey publishes the note verifier key. Monitors pin it on first
// use; an auditor should compare it with one obtained out of band.
func (s *Server) handleLogKey(w http.ResponseWriter, r *http.Request) {
	if _, err := s.logService(); err != nil {
		s.Error(w, r, err)
		return
	}
	writeText(w, "no-cache", []byte(s.LogVerifierKey+"\n"))
}

// handleLogCheckpoint serves the latest checkpoint verbatim as the signed
// note, the form C2SP tooling and witnesses read.
func (s *Server) handleLogCheckpoint(w http.ResponseWriter, r *http.Request) {
	l, err := s.logService()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	cp, err := l.LatestCheckpoint(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeText(w, "no-cache", cp.Note)
}

// logSize reads an optional tree size parameter: absent means the latest
// checkpoint's (second result false).
func logSize(q url.Values, name string) (int64, bool, error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, ucx.FieldErrorf(ucx.EINVALID, name, "%s must be a tree size, an integer of 0 or more, not %q", name, wire.Clip(v))
	}
	return n, true, nil
}

// parseLeafHash reads a leaf hash given as 64 hex digits or as base64
// (standard or URL alphabet): the two forms people and tools copy around.
func parseLeafHash(v string) ([]byte, error) {
	if len(v) == 2*tlog.HashSize {
		if h, err := hex.DecodeString(v); err == nil {
			return h, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if h, err := enc.DecodeString(v); err == nil && len(h) == tlog.HashSize {
			return h, nil
		}
	}
	return nil, ucx.FieldErrorf(ucx.EINVALID, "hash", "hash must be a SHA-256 leaf hash in hex (64 digits) or base64, not %q", wire.Clip(v))
}

// handleLogInclusion serves an inclusion proof of one leaf, named by index
// or by leaf hash (exactly one of the two). Without size the proof is
// against the latest checkpoint, which is included; with size it is
// against the tree of that size (the checkpoint the caller already holds),
// and since that never changes it may be cached for good.
func (s *Server) handleLogInclusion(w http.ResponseWriter, r *http.Request) {
	l, err := s.logService()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	hashArg, indexArg := strings.TrimSpace(q.Get("hash")), strings.TrimSpace(q.Get("index"))
	size, sized, err := logSize(q, "size")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var p wire.LogInclusion
	switch {
	case (hashArg == "") == (indexArg == ""):
		s.Error(w, r, ucx.Errorf(ucx.EINVALID, "name the leaf by exactly one of index or hash"))
		return
	case indexArg != "":
		p.Index, err = strconv.ParseInt(indexArg, 10, 64)
		if err != nil || p.Index < 0 {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "index", "index must be a leaf index, an integer of 0 or more, not %q", wire.Clip(indexArg)))
			return
		}
	default:
		if p.LeafHash, err = parseLeafHash(hashArg); err != nil {
			s.Error(w, r, err)
			return
		}
		if p.Index, err = l.LogLeafIndex(ctx, p.LeafHash); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if !sized {
		cp, err := l.LatestCheckpoint(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		size, p.Checkpoint = cp.Size, string(cp.Note)
	}
	if p.Index >= size {
		s.Error(w, r, ucx.Errorf(ucx.ENOTFOUND, "leaf %d is not in the tree of %d leaves (yet: checkpoints follow appends within about a second)", p.Index, size))
		return
	}
	p.TreeSize = size
	if p.Hashes, err = l.InclusionProof(ctx, p.Index, size); err != nil {
		s.Error(w, r, err)
		return
	}
	writeProof(w, sized, p)
}

// handleLogConsistency serves the proof that the tree of from leaves is a
// prefix of the tree of to leaves (the latest checkpoint's, included, when
// to is absent).
func (s *Server) handleLogConsistency(w http.ResponseWriter, r *http.Request) {
	l, err := s.logService()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	from, ok, err := logSize(q, "from")
	if err == nil && !ok {
		err = ucx.FieldErrorf(ucx.EINVALID, "from", "from, the older tree size, is required")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	to, sized, err := logSize(q, "to")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := wire.LogConsistency{From: from}
	if !sized {
		cp, err := l.LatestCheckpoint(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		to, p.Checkpoint = cp.Size, string(cp.Note)
	}
	if from > to {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "from", "from (%d) is larger than to (%d): a log only grows", from, to))
		return
	}
	p.To = to
	if p.Hashes, err = l.ConsistencyProof(ctx, from, to); err != nil {
		s.Error(w, r, err)
		return
	}
	writeProof(w, sized, p)
}

// handleLogEntries serves the integrated entries with indices in
// [start, end), at most MaxLogEntries (end defaults to start plus that).
// Entries not yet covered by a checkpoint are not served, so the answer
// may hold fewer than asked, or none past the end of the log.
func (s *Server) handleLogEntries(w http.ResponseWriter, r *http.Request) {
	l, err := s.logService()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	start, ok, err := logSize(q, "start")
	if err == nil && !ok {
		err = ucx.FieldErrorf(ucx.EINVALID, "start", "start, the first leaf index, is required")
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	end, ok, err := logSize(q, "end")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !ok || end-start > wire.MaxLogEntries {
		// start + MaxLogEntries, without overflowing past the largest index.
		end = start + min(wire.MaxLogEntries, math.MaxInt64-start)
	}
	if end < start {
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "end", "end (%d) is before start (%d)", end, start))
		return
	}
	es, err := l.LogEntries(r.Context(), start, end)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if es == nil {
		es = []tlog.Entry{}
	}
	writeJSON(w, http.StatusOK, wire.LogEntries{Entries: es})
}

// writeProof answers a proof: cached for good when it is for a tree size
// the caller named (that proof never changes), revalidated when it is for
// the latest checkpoint.
func writeProof(w http.ResponseWriter, sized bool, proof any) {
	if sized {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	writeJSON(w, http.StatusOK, proof)
}
