package main

// The offline key commands: keygen, seal, trust seal and verify. They are
// the non-custodial half of sealing (Electronic Signature Law Art. 13): a
// manufacturer makes its key and seals its confirmations on its own
// machine, the platform only ever sees public keys, and anyone can check a
// sealed document with no network at all.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx/seal"
)

// maxInput bounds every file the key commands read. Documents, envelopes
// and trust lists are kilobytes; the bound only stops a wrong file (a disk
// image, /dev/zero) from being read into memory whole.
const maxInput = 16 << 20

// readInput reads name, or standard input for "-", refusing anything over
// maxInput. what names the input in messages ("the envelope"). Trailing
// white space is dropped: it is never part of a canonical document or an
// envelope, and editors and shells add a final newline.
func readInput(cmd *cobra.Command, name, what string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = cmd.InOrStdin()
		name = "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", what, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading %s from %s: %w", what, name, err)
	case len(b) > maxInput:
		return nil, fmt.Errorf("%s in %s is over %d MiB; is it the right file?", what, name, maxInput>>20)
	}
	return bytes.TrimRight(b, " \t\r\n"), nil
}

// writeOutput writes b to the file name, or to standard output when name is
// "" or "-".
func writeOutput(cmd *cobra.Command, name string, b []byte) error {
	if name == "" || name == "-" {
		if _, err := cmd.OutOrStdout().Write(b); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		return nil
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return usageErr(fmt.Errorf("cannot write %s: %w", name, err))
	}
	return nil
}

// parseAlg accepts the algorithm names people type: "sm2" is the SM2 with
// SM3 that Chinese e-seals use, the only SM2 variant seal supports.
func parseAlg(s string) (seal.Alg, error) {
	switch strings.ToLower(s) {
	case "ed25519":
		return seal.Ed25519, nil
	case "sm2", string(seal.SM2):
		return seal.SM2, nil
	}
	return "", fmt.Errorf("unknown algorithm %q; use --alg ed25519 or --alg sm2", s)
}

// parseAt reads a --at time; empty means now. Seals record whole seconds
// in UTC, so that is all the flag needs.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q is not an RFC 3339 time; write it like 2026-03-01T09:30:00+08:00", s)
	}
	return t, nil
}

// loadPrivateKey reads a PKCS #8 PEM sealing key.
func loadPrivateKey(name, flag string) (*seal.PrivateKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key given by %s: %w", flag, err)
	}
	k, err := seal.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %s; give the .key file ucx keygen wrote", name, errText(err))
	}
	return k, nil
}

// loadPublicKey reads a PKIX PEM public key.
func loadPublicKey(name, flag string) (*seal.PublicKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the public key given by %s: %w", flag, err)
	}
	k, err := seal.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %s; give the .pub file ucx keygen wrote", name, errText(err))
	}
	return k, nil
}

// newKeygenCmd is `ucx keygen`: a new sealing key pair, made and kept on
// the owner's machine. Only the .pub file is ever sent to the platform.
func newKeygenCmd() *cobra.Command {
	var algName, prefix string
	cmd := &cobra.Command{
		Use:   "keygen [--alg ed25519|sm2] --out PREFIX",
		Short: "make a sealing key pair: PREFIX.key (private, stays here) and PREFIX.pub",
		Long: `keygen makes a new sealing key pair on this machine and writes
PREFIX.key, the private key (PKCS #8 PEM, readable by the owner only), and
PREFIX.pub, the public key (PKIX PEM), then prints the key id. Send only
PREFIX.pub to the platform; the private key never leaves this machine.
keygen never overwrites an existing file.

Exit status: 0 written, 2 usage error or a file already exists.`,
		Example: "  ucx keygen --alg sm2 --out acme-2026",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			alg, err := parseAlg(algName)
			if err != nil {
				return usageErr(err)
			}
			if prefix == "" {
				return usageErr(errors.New("give --out PREFIX: keygen writes PREFIX.key and PREFIX.pub"))
			}
			keyFile, pubFile := prefix+".key", prefix+".pub"
			// Check both before writing either, so a refusal leaves nothing
			// half-made behind.
			for _, f := range []string{keyFile, pubFile} {
				if _, err := os.Lstat(f); err == nil {
					return usageErr(fmt.Errorf("%s already exists; keygen never overwrites a key: choose another --out, or remove the old file if it is truly unused", f))
				} else if !errors.Is(err, fs.ErrNotExist) {
					return usageErr(fmt.Errorf("cannot check %s: %w", f, err))
				}
			}
			k, err := seal.GenerateKey(alg)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			priv, err := k.MarshalPEM()
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if err := writeNew(keyFile, priv, 0o600); err != nil {
				return usageErr(err)
			}
			if err := writeNew(pubFile, k.Public().MarshalPEM(), 0o644); err != nil {
				os.Remove(keyFile) // a key without its .pub would only confuse
				return usageErr(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\nalgorithm %s; private key %s (keep it here, never send it); public key %s (send this to the platform)\n",
				k.Public().ID(), alg, keyFile, pubFile)
			return err
		},
	}
	cmd.Flags().StringVar(&algName, "alg", "ed25519", "algorithm: ed25519, or sm2 (SM2 with SM3, as Chinese e-seals use)")
	cmd.Flags().StringVar(&prefix, "out", "", "write PREFIX.key and PREFIX.pub")
	return cmd
}

// writeNew creates name with mode perm and writes b, failing if name
// exists: O_EXCL closes the window between keygen's check and the write.
func writeNew(name string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; keygen never overwrites a key: choose another --out", name)
		}
		return fmt.Errorf("cannot create %s: %w", name, err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// newSealCmd is `ucx seal`: the manufacturer's (or authority's) seal on a
// document, made with the private key on its own machine.
func newSealCmd() *cobra.Command {
	var keyFile, org, at, in, out string
	var canonicalize bool
	cmd := &cobra.Command{
		Use:   "seal --key FILE.key --org ORG [--at RFC3339] [--in FILE|-] [--out FILE]",
		Short: "seal a canonical JSON document, or add a seal to an envelope",
		Long: `seal signs a document with a private key made by ucx keygen, for the
organisation --org, and writes the sealed envelope. The input is either a
document in canonical JSON (RFC 8785), as the platform hands them out, or
an envelope that already carries seals, to which one more is added.

A document that is not canonical is refused: a seal covers exact bytes,
so re-encoding it later would break the seal. --canonicalize re-encodes it
first; check the output is still the document you mean to seal.

Exit status: 0 sealed, 2 usage error or unusable input.`,
		Example: "  ucx seal --key acme-2026.key --org acme --in confirmation.json --out confirmation.sealed.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" || org == "" {
				return usageErr(errors.New("give --key FILE.key (from ucx keygen) and --org ORG (your organisation id on the platform)"))
			}
			t, err := parseAt(at)
			if err != nil {
				return usageErr(err)
			}
			key, err := loadPrivateKey(keyFile, "--key")
			if err != nil {
				return usageErr(err)
			}
			b, err := readInput(cmd, in, "the document")
			if err != nil {
				return usageErr(err)
			}
			env, err := envelopeOf(b, canonicalize)
			if err != nil {
				return usageErr(err)
			}
			if err := env.Sign(key, org, t); err != nil {
				return usageErr(fmt.Errorf("cannot seal: %s", errText(err)))
			}
			sealed, err := env.Marshal()
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			return writeOutput(cmd, out, append(sealed, '\n'))
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "the private key file (PKCS #8 PEM) ucx keygen wrote")
	f.StringVar(&org, "org", "", "the organisation id the seal is made for; the trust list must bind the key to it")
	f.StringVar(&at, "at", "", "seal time, RFC 3339 (default now)")
	f.StringVar(&in, "in", "-", "the document or envelope to seal, - for standard input")
	f.StringVar(&out, "out", "", "write the envelope here (default standard output)")
	f.BoolVar(&canonicalize, "canonicalize", false, "re-encode a non-canonical document in RFC 8785 form before sealing")
	return cmd
}

// envelopeOf returns the envelope to add a seal to: b itself if it is an
// envelope, or a new one around b if b is a document.
func envelopeOf(b []byte, canonicalize bool) (*seal.Envelope, error) {
	if env, err := seal.ParseEnvelope(b); err == nil {
		return env, nil
	} else if looksLikeEnvelope(b) {
		return nil, fmt.Errorf("the input looks like a sealed envelope but cannot be read: %s; start again from the envelope as it was issued", errText(err))
	}
	if canonicalize {
		c, err := seal.Canonicalize(b)
		if err != nil {
			return nil, fmt.Errorf("the document is not valid JSON: %s", errText(err))
		}
		b = c
	} else if err := seal.CheckCanonical(b); err != nil {
		return nil, fmt.Errorf("the document is not in canonical JSON (RFC 8785): %s; seal the document exactly as the platform issued it, or pass --canonicalize to re-encode it", errText(err))
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, errors.New("the document must be a JSON object")
	}
	return &seal.Envelope{Document: b}, nil
}

// looksLikeEnvelope reports whether b is a JSON object with an envelope's
// members, so that a damaged envelope is reported as one rather than as a
// document that happens to be non-canonical.
func looksLikeEnvelope(b []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, d := m["document"]
	_, s := m["seals"]
	return d && s
}

// newTrustCmd is `ucx trust`: the root authority's side of the trust list,
// enough to build one for tests, demos and a small deployment.
func newTrustCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "build and seal the root-signed trust list that binds keys to organisations",
	}
	cmd.AddCommand(newTrustSealCmd())
	return cmd
}

// trustSpec is the input of `ucx trust seal`: the list's entries, each
// naming the .pub file keygen wrote, so nobody copies key ids or base64 by
// hand. The key id and algorithm come from the key itself.
type trustSpec struct {
	Sequence uint64           `json:"sequence"`
	IssuedAt time.Time        `json:"issued_at,omitzero"`
	Keys     []trustSpecEntry `json:"keys"`
}

type trustSpecEntry struct {
	PublicKeyFile string    `json:"public_key_file"` // relative to the spec file
	Org           seal.Org  `json:"org"`
	NotBefore     time.Time `json:"not_before"`
	NotAfter      time.Time `json:"not_after"`
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
	RevokedReason string    `json:"revoked_reason,omitempty"`
}

const trustSpecExample = `{
  "sequence": 1,
  "keys": [
    {"public_key_file": "acme-2026.pub",
     "org": {"id": "acme", "kind": "manufacturer", "name": "Acme Motor Co., Ltd."},
     "not_before": "2026-01-01T00:00:00+08:00", "not_after": "2027-01-01T00:00:00+08:00"}
  ]
}`

func newTrustSealCmd() *cobra.Command {
	var rootFile, at, out string
	cmd := &cobra.Command{
		Use:   "seal --root ROOT.key [--at RFC3339] [--out FILE] SPEC.json|-",
		Short: "seal a trust list described by a JSON file with the root key",
		Long: `trust seal reads a JSON file listing the trusted keys, checks every
entry, and writes the trust list sealed by the root key. Each entry names
a public key file written by ucx keygen (a relative path is taken from the
spec file's directory), the organisation it seals for, its validity
window, and optionally when and why it was revoked:

` + trustSpecExample + `

Exit status: 0 written, 2 usage error or an invalid entry.`,
		Example: "  ucx trust seal --root root.key --out trust.json trust-spec.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rootFile == "" {
				return usageErr(errors.New("give --root ROOT.key, the root authority's private key"))
			}
			t, err := parseAt(at)
			if err != nil {
				return usageErr(err)
			}
			root, err := loadPrivateKey(rootFile, "--root")
			if err != nil {
				return usageErr(err)
			}
			b, err := readInput(cmd, args[0], "the trust list spec")
			if err != nil {
				return usageErr(err)
			}
			dir := "."
			if args[0] != "-" {
				dir = filepath.Dir(args[0])
			}
			list, err := trustListOf(b, dir)
			if err != nil {
				return usageErr(err)
			}
			sealed, err := list.Seal(root, t)
			if err != nil {
				return usageErr(fmt.Errorf("cannot seal the trust list: %s", errText(err)))
			}
			return writeOutput(cmd, out, append(sealed, '\n'))
		},
	}
	f := cmd.Flags()
	f.StringVar(&rootFile, "root", "", "the root authority's private key file (PKCS #8 PEM)")
	f.StringVar(&at, "at", "", "seal time, RFC 3339 (default now); also the issue time unless the spec sets issued_at")
	f.StringVar(&out, "out", "", "write the sealed trust list here (default standard output)")
	return cmd
}

// trustListOf reads a trust spec, loading public keys relative to dir.
// TrustList.Seal checks the entries themselves; here only what the spec
// adds (files, unknown members) is checked.
func trustListOf(b []byte, dir string) (*seal.TrustList, error) {
	var spec trustSpec
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("the trust list spec cannot be read: %v; write it like\n%s", err, trustSpecExample)
	}
	if len(spec.Keys) == 0 {
		return nil, errors.New("the trust list spec lists no keys; add entries under \"keys\"")
	}
	list := &seal.TrustList{Sequence: spec.Sequence, IssuedAt: spec.IssuedAt}
	for i, e := range spec.Keys {
		if e.PublicKeyFile == "" {
			return nil, fmt.Errorf("trust list spec entry %d has no public_key_file; name the .pub file ucx keygen wrote", i)
		}
		name := e.PublicKeyFile
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		pub, err := loadPublicKey(name, fmt.Sprintf("entry %d's public_key_file", i))
		if err != nil {
			return nil, err
		}
		k := seal.NewTrustedKey(pub, e.Org, e.NotBefore, e.NotAfter)
		k.RevokedAt, k.RevokedReason = e.RevokedAt, e.RevokedReason
		list.Keys = append(list.Keys, k)
	}
	return list, nil
}
