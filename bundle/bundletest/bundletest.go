// Package bundletest builds verification bundles for tests and benchmarks
// without a server: a root, a sealed trust list with an authority's and a
// manufacturer's keys, a sealed licence, a transparency log of a chosen
// shape with its signed checkpoint, and witness cosignatures on it. The
// bundles are the ones GET /api/v1/documents/{digest}/bundle serves, byte
// for byte in form, so the verifier is exercised as it is in use.
package bundletest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// The organisations of a World's trust list.
const (
	// AuthorityID is the licensing authority that issues the licences.
	AuthorityID = 7
	// OtherAuthorityID is a second authority, with a key of its own.
	OtherAuthorityID = 8
	// MakerID is a manufacturer: it may seal confirmations, never licences.
	MakerID = 9
	// Origin is the log's name in its checkpoints.
	Origin = "ucx.test/log"
	// Number is the licence number of World.Licence's document.
	Number = "GD-2026-000042"
	// FirstVIN is the first VIN of World.Licence's schedule.
	FirstVIN = "LGXC16DF6R0000001"
)

// World is a platform in miniature: keys, trust list, log key and
// witnesses. Its fields are the private halves tests need to forge with.
type World struct {
	Root           *seal.PrivateKey
	Authority      *seal.PrivateKey // of AuthorityID
	OtherAuthority *seal.PrivateKey // of OtherAuthorityID
	Maker          *seal.PrivateKey // of MakerID
	TrustList      []byte           // sealed by Root
	LogSigner      note.Signer
	LogKey         string // the log's verifier key, as the platform publishes it
	// Witnesses cosign checkpoints; WitnessKeys are their published keys
	// (tlog.CosignerVerifierKey), in the same order.
	Witnesses   []note.Signer
	WitnessKeys []string
	// Now is the time documents are sealed at.
	Now time.Time
}

// New returns a world with n witnesses.
func New(tb testing.TB, n int) *World {
	tb.Helper()
	w := &World{Now: time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)}
	w.Root, w.Authority, w.OtherAuthority, w.Maker = genKey(tb), genKey(tb), genKey(tb), genKey(tb)
	w.TrustList = w.SealTrustList(tb, nil)
	_, logPriv, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	if w.LogSigner, err = tlog.NewSigner(Origin, logPriv); err != nil {
		tb.Fatal(err)
	}
	if w.LogKey, err = tlog.VerifierKey(Origin, logPriv.Public().(ed25519.PublicKey)); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			tb.Fatal(err)
		}
		name := fmt.Sprintf("witness%d.test/ucx", i+1)
		s, err := tlog.NewCosigner(name, priv, func() time.Time { return w.Now })
		if err != nil {
			tb.Fatal(err)
		}
		vkey, err := tlog.CosignerVerifierKey(name, pub)
		if err != nil {
			tb.Fatal(err)
		}
		w.Witnesses, w.WitnessKeys = append(w.Witnesses, s), append(w.WitnessKeys, vkey)
	}
	return w
}

func genKey(tb testing.TB) *seal.PrivateKey {
	tb.Helper()
	k, err := seal.GenerateKey(seal.Ed25519)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// SealTrustList returns the world's trust list sealed by its root, after
// edit (when not nil) changed the entries: a key's window, a revocation.
func (w *World) SealTrustList(tb testing.TB, edit func(keys []seal.TrustedKey)) []byte {
	tb.Helper()
	from, until := w.Now.AddDate(-1, 0, 0), w.Now.AddDate(1, 0, 0)
	keys := []seal.TrustedKey{
		seal.NewTrustedKey(w.Authority.Public(), seal.Org{ID: "7", Kind: "authority", Name: "广东省商务厅"}, from, until),
		seal.NewTrustedKey(w.OtherAuthority.Public(), seal.Org{ID: "8", Kind: "authority", Name: "浙江省商务厅"}, from, until),
		seal.NewTrustedKey(w.Maker.Public(), seal.Org{ID: "9", Kind: "manufacturer", Name: "比亚迪汽车工业有限公司"}, from, until),
	}
	if edit != nil {
		edit(keys)
	}
	l := seal.TrustList{Keys: keys, Sequence: 1}
	b, err := l.Seal(w.Root, w.Now.Add(-time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// LicenceDoc returns a licence document (ucx.licence.v1, as the platform
// issues it) of AuthorityID with vehicles cars, after edit (when not nil)
// changed its members, in canonical form.
func (w *World) LicenceDoc(tb testing.TB, vehicles int, edit func(map[string]any)) []byte {
	tb.Helper()
	schedule := make([]any, vehicles)
	for i := range schedule {
		vin := FirstVIN
		if i > 0 {
			vin = fmt.Sprintf("LGXC16DF6R%07d", i+1)
		}
		schedule[i] = map[string]any{"brand": "BYD", "model": "Seal", "registration_date": "2026-01-16", "transfer_date": "2026-02-01", "vin": vin}
	}
	d := map[string]any{
		"application_id": 1001, "authority": "广东省商务厅", "authority_id": AuthorityID,
		"confirmations": []any{map[string]any{"id": 5, "sha256": "sha256:" + fmt.Sprintf("%064x", 5)}},
		"destination":   "KZ", "exporter": "华运出口有限公司", "exporter_filing_number": "GD-2025-0117", "exporter_id": 3,
		"issued_on": "2026-03-10", "number": Number, "schedule": schedule, "type": "ucx.licence.v1", "valid_until": "2026-06-08",
	}
	if edit != nil {
		edit(d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := seal.Canonicalize(b)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Seal returns doc sealed by key for organisation org, as an envelope.
func (w *World) Seal(tb testing.TB, doc []byte, key *seal.PrivateKey, org int) []byte {
	tb.Helper()
	env := seal.Envelope{Document: doc}
	if err := env.Sign(key, fmt.Sprint(org), w.Now); err != nil {
		tb.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Licence returns the world's genuine licence with n vehicles, sealed by
// its authority.
func (w *World) Licence(tb testing.TB, n int) []byte {
	tb.Helper()
	return w.Seal(tb, w.LicenceDoc(tb, n, nil), w.Authority, AuthorityID)
}

// Log is the shape of the transparency log a bundle proves the document
// in.
type Log struct {
	// None: the bundle carries no transparency_log at all.
	None bool
	// Before and After are the unrelated entries logged before and after
	// the document.
	Before, After int
	// RevokedInLog logs a revocation of the document among the entries
	// after it (the last of them).
	RevokedInLog bool
	// OmitLater leaves the later entries out of the bundle.
	OmitLater bool
	// Cosigners is how many of the world's witnesses cosign the
	// checkpoint.
	Cosigners int
}

// Bundle returns a verification bundle of the envelope env with its
// document logged as log says, and the sealed revocation records revs.
func (w *World) Bundle(tb testing.TB, env []byte, log Log, revs ...[]byte) []byte {
	tb.Helper()
	bu := w.BundleOf(tb, env, log, revs...)
	b, err := json.Marshal(bu)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BundleOf is Bundle before it is encoded, for tests that edit it.
func (w *World) BundleOf(tb testing.TB, env []byte, log Log, revs ...[]byte) *bundle.Bundle {
	tb.Helper()
	e, err := seal.ParseEnvelope(env)
	if err != nil {
		tb.Fatal(err)
	}
	digest := seal.DigestOf(e.Document).String()
	bu := &bundle.Bundle{Type: bundle.Type, Envelope: env, TrustList: w.TrustList,
		RootPublicKey: string(w.Root.Public().MarshalPEM()), Revocations: []json.RawMessage{}, LogPublicKey: w.LogKey}
	for _, r := range revs {
		bu.Revocations = append(bu.Revocations, r)
	}
	if log.None {
		return bu
	}
	var entries [][]byte
	for i := range log.Before {
		entries = append(entries, w.entry("licence", fmt.Sprintf("sha256:%064x", 1000+i), ""))
	}
	docIndex := int64(len(entries))
	entries = append(entries, w.entry("licence", digest, ""))
	for i := range log.After {
		if log.RevokedInLog && i == log.After-1 {
			entries = append(entries, w.entry("revocation", fmt.Sprintf("sha256:%064x", 9000+i), digest))
			continue
		}
		entries = append(entries, w.entry("confirmation", fmt.Sprintf("sha256:%064x", 5000+i), ""))
	}
	if log.RevokedInLog && log.After == 0 {
		tb.Fatal("bundletest: RevokedInLog needs After > 0")
	}
	cp := w.Checkpoint(tb, entries, log.Cosigners)
	incl := w.Inclusion(tb, entries, docIndex)
	p := &bundle.LogProof{InclusionProof: incl, Checkpoint: cp}
	if !log.OmitLater && docIndex+1 < int64(len(entries)) {
		p.Later = entries[docIndex+1:]
	}
	bu.TransparencyLog = p
	return bu
}

// entry is a document's log leaf as the store writes it.
func (w *World) entry(kind, digest, revokes string) []byte {
	b, _ := json.Marshal(map[string]any{"kind": kind, "digest": digest, "org_id": AuthorityID, "org_name": "广东省商务厅",
		"entity_id": 1, "revokes": revokes, "time": w.Now.Format(time.RFC3339)})
	return b
}

// Checkpoint returns the log's signed checkpoint of entries, cosigned by
// the first cosigners of the world's witnesses.
func (w *World) Checkpoint(tb testing.TB, entries [][]byte, cosigners int) string {
	tb.Helper()
	t := tlog.NewTree()
	for _, e := range entries {
		if err := t.Append(tlog.LeafHash(e), nil); err != nil {
			tb.Fatal(err)
		}
	}
	sc, err := tlog.Checkpoint{Origin: Origin, Size: t.Size(), Root: t.Root()}.Sign(w.LogSigner)
	if err != nil {
		tb.Fatal(err)
	}
	msg := sc.Note
	for _, s := range w.Witnesses[:cosigners] {
		line, err := tlog.Cosign(sc.Note, s)
		if err != nil {
			tb.Fatal(err)
		}
		msg = tlog.AddSignatures(msg, line)
	}
	return string(msg)
}

// Inclusion returns the inclusion proof of entries[index] in the tree of
// all entries, with the entry.
func (w *World) Inclusion(tb testing.TB, entries [][]byte, index int64) *bundle.Inclusion {
	tb.Helper()
	leaves := make([][]byte, len(entries))
	for i, e := range entries {
		leaves[i] = tlog.LeafHash(e)
	}
	var node func(level uint, index uint64) []byte
	node = func(level uint, index uint64) []byte {
		if level == 0 {
			return leaves[index]
		}
		return tlog.NodeHash(node(level-1, 2*index), node(level-1, 2*index+1))
	}
	hashes, err := tlog.InclusionProof(index, int64(len(entries)), func(ids []tlog.NodeID) ([][]byte, error) {
		out := make([][]byte, len(ids))
		for i, id := range ids {
			out[i] = node(id.Level, id.Index)
		}
		return out, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &bundle.Inclusion{Index: index, TreeSize: int64(len(entries)), Hashes: hashes, Entry: entries[index]}
}

// Revocation returns a sealed revocation record of the document in env by
// organisation org with key.
func (w *World) Revocation(tb testing.TB, env []byte, key *seal.PrivateKey, org int) []byte {
	tb.Helper()
	e, err := seal.ParseEnvelope(env)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"document": seal.DigestOf(e.Document).String(), "document_kind": "licence",
		"organisation_id": org, "reason": "the buyer withdrew", "revoked_on": "2026-03-11", "type": "ucx.revocation.v1"})
	doc, err := seal.Canonicalize(b)
	if err != nil {
		tb.Fatal(err)
	}
	return w.Seal(tb, doc, key, org)
}

// Options returns what a verifier who pinned the world's root, log key
// and witnesses passes bundle.Verify, requiring min witnesses.
func (w *World) Options(tb testing.TB, min int) bundle.Options {
	tb.Helper()
	v, err := tlog.ParseVerifierKey(w.LogKey)
	if err != nil {
		tb.Fatal(err)
	}
	opts := bundle.Options{Roots: []*seal.PublicKey{w.Root.Public()}, LogKey: v, MinWitnesses: min}
	for _, k := range w.WitnessKeys {
		wv, err := tlog.ParseCosignerKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		opts.Witnesses = append(opts.Witnesses, wv)
	}
	return opts
}

// Anchors returns the world's trust anchors file, as the platform
// publishes it at bundle.WellKnownPath.
func (w *World) Anchors(tb testing.TB) []byte {
	tb.Helper()
	a := bundle.Anchors{Anchors: []bundle.Anchor{bundle.NewAnchor("test platform", w.Root.Public(), w.LogKey)}}
	b, err := a.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// WriteFiles writes the root's public key (root.pub), the log key
// (log.vkey) and the anchors (trust-anchors.json) under dir, as a
// verifier keeps them, and returns dir.
func (w *World) WriteFiles(tb testing.TB, dir string) string {
	tb.Helper()
	for name, b := range map[string][]byte{
		"root.pub": w.Root.Public().MarshalPEM(), "log.vkey": []byte(w.LogKey + "\n"), "trust-anchors.json": w.Anchors(tb),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
