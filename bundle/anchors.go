package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// AnchorsType names the trust anchors format.
const AnchorsType = "ucx.trust-anchors/v1"

// WellKnownPath is where a platform publishes its trust anchors: its root
// key and fingerprint and its log key. A buyer fetches it once, compares
// the fingerprint with the one printed on a document or given by the
// platform's operator, and saves it where ucx verify reads anchors.
const WellKnownPath = "/.well-known/ucx-root"

// Anchors is a trust anchors file: the roots (and their logs) a verifier
// trusts, obtained out of band. ucx verify reads it from --anchors or
// from trust-anchors.json in the user's configuration directory.
type Anchors struct {
	Type    string   `json:"type"`
	Anchors []Anchor `json:"anchors"`
}

// Anchor is one platform's root, with its fingerprint for people to
// compare, and optionally its log key and the witnesses to require.
type Anchor struct {
	Name          string   `json:"name,omitempty"`
	RootPublicKey string   `json:"root_public_key"` // PKIX PEM
	RootKeyID     string   `json:"root_key_id,omitempty"`
	Fingerprint   string   `json:"fingerprint,omitempty"`
	LogPublicKey  string   `json:"log_public_key,omitempty"`
	Witnesses     []string `json:"witnesses,omitempty"` // note verifier keys
	MinWitnesses  int      `json:"min_witnesses,omitempty"`
}

// NewAnchor describes a platform's root and log key for publishing.
func NewAnchor(name string, root *seal.PublicKey, logKey string) Anchor {
	return Anchor{Name: name, RootPublicKey: string(root.MarshalPEM()), RootKeyID: root.ID(), Fingerprint: Fingerprint(root), LogPublicKey: logKey}
}

// ParseAnchors reads a trust anchors file strictly. A fingerprint that
// does not match its key is refused: the file was edited by hand wrongly,
// or tampered with.
func ParseAnchors(b []byte) (*Anchors, error) {
	if _, err := seal.Canonicalize(b); err != nil {
		return nil, err
	}
	var a Anchors
	if err := decodeStrict(b, &a); err != nil {
		return nil, err
	}
	if a.Type != AnchorsType {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "type", "a trust anchors file has type %q", AnchorsType)
	}
	for _, an := range a.Anchors {
		k, err := seal.ParsePublicKeyPEM([]byte(an.RootPublicKey))
		if err != nil {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "root_public_key", "an anchor's root key cannot be read: %s", ucx.ErrorMessage(err))
		}
		if an.Fingerprint != "" && normFingerprint(an.Fingerprint) != normFingerprint(Fingerprint(k)) {
			return nil, ucx.FieldErrorf(ucx.EINVALID, "fingerprint", "the anchor's fingerprint %s is not its root key's (%s)", an.Fingerprint, Fingerprint(k))
		}
		if an.LogPublicKey != "" {
			if _, err := tlog.ParseVerifierKey(an.LogPublicKey); err != nil {
				return nil, ucx.FieldErrorf(ucx.EINVALID, "log_public_key", "an anchor's log key cannot be read: %s", ucx.ErrorMessage(err))
			}
		}
	}
	return &a, nil
}

// Apply adds the anchors to opts: every root; the log key and witnesses
// of the first anchor that has one, unless opts has its own.
func (a *Anchors) Apply(opts *Options) error {
	for _, an := range a.Anchors {
		k, err := seal.ParsePublicKeyPEM([]byte(an.RootPublicKey))
		if err != nil {
			return err
		}
		opts.Roots = append(opts.Roots, k)
		if opts.LogKey == nil && strings.TrimSpace(an.LogPublicKey) != "" {
			if opts.LogKey, err = tlog.ParseVerifierKey(an.LogPublicKey); err != nil {
				return err
			}
			if len(opts.Witnesses) == 0 {
				for _, w := range an.Witnesses {
					v, err := tlog.ParseCosignerKey(w)
					if err != nil {
						return ucx.FieldErrorf(ucx.EINVALID, "witnesses", "a witness key cannot be read: %v", err)
					}
					opts.Witnesses = append(opts.Witnesses, v)
				}
				opts.MinWitnesses = max(opts.MinWitnesses, an.MinWitnesses)
			}
		}
	}
	return nil
}

// Marshal returns the anchors as published.
func (a *Anchors) Marshal() ([]byte, error) {
	if a.Type == "" {
		a.Type = AnchorsType
	}
	return json.MarshalIndent(a, "", "  ")
}

// AnchorsEnv names the trust anchors file when no file is given.
const AnchorsEnv = "UCX_TRUST_ANCHORS"

// DefaultAnchorsPath is where a verifier keeps its trust anchors when
// neither a file nor $UCX_TRUST_ANCHORS names one: ucx/trust-anchors.json
// in the user's configuration directory ($XDG_CONFIG_HOME, else
// ~/.config, on Linux; os.UserConfigDir elsewhere). "" when there is no
// such directory.
func DefaultAnchorsPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ucx", "trust-anchors.json")
}

// AnchorsPath resolves which trust anchors file a verifier reads: name
// when given (ucx verify --anchors), else $UCX_TRUST_ANCHORS, else
// DefaultAnchorsPath. named says whether it was asked for (a file that
// must exist) rather than the default (which may be absent).
func AnchorsPath(name string) (path string, named bool) {
	if name != "" {
		return name, true
	}
	if env := os.Getenv(AnchorsEnv); env != "" {
		return env, true
	}
	return DefaultAnchorsPath(), false
}

// LoadAnchors adds the roots, log key and witnesses of the trust anchors
// file AnchorsPath(name) resolves to opts, and returns the file read ("" for
// an absent default). Only the one file is read: a named file hides the
// environment's and the default, so a verifier knows what it trusts. What
// opts holds already (roots pinned by key or fingerprint) stays; a log key
// or witnesses in opts win over the file's (Anchors.Apply). A named file
// that cannot be read, or any file that is not a valid anchors file, is
// EINVALID.
func LoadAnchors(name string, opts *Options) (string, error) {
	path, named := AnchorsPath(name)
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if !named && errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", &ucx.Error{Code: ucx.EINVALID, Field: "anchors", Err: err, Message: fmt.Sprintf("cannot read the trust anchors file: %v", err)}
	}
	a, err := ParseAnchors(b)
	if err != nil {
		return "", &ucx.Error{Code: ucx.EINVALID, Field: "anchors", Err: err, Message: fmt.Sprintf("the trust anchors file %s: %s", path, ucx.ErrorMessage(err))}
	}
	if err := a.Apply(opts); err != nil {
		return "", &ucx.Error{Code: ucx.EINVALID, Field: "anchors", Err: err, Message: fmt.Sprintf("the trust anchors file %s: %s", path, ucx.ErrorMessage(err))}
	}
	return path, nil
}
