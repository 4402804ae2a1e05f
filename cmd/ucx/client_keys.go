package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/sqlstore"
)

// The client side of non-custodial sealing: an organisation's
// admin registers the public half of a key made with ucx keygen, and
// `ucx request approve --key` / `ucx licence issue --key` seal on this
// machine. The private key file is read here and used here; it is never
// sent, logged or printed.

// newKeyCmd is `ucx key`: the sealing keys of the caller's organisation.
func newKeyCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "register, list and revoke your organisation's sealing keys",
		Long: `key manages the sealing keys of a manufacturer or licensing authority on the
platform's trust list. Make a key pair on your own machine with ucx keygen,
register its public half here, and seal with ucx request approve --key or
ucx licence issue --key: the private key never leaves your machine.
Registering and revoking keys needs an admin of the organisation.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}

	var notAfter string
	register := &cobra.Command{
		Use:   "register FILE.pub [--not-after DATE]",
		Short: "put a public key made with ucx keygen on the trust list",
		Long: `register sends the public key in FILE.pub to the platform, which binds it to
your organisation on the trust list until --not-after (a date, valid through
that day in China time, or an RFC 3339 time; default two years from now).

Only the public key is sent, re-encoded from the parsed key, so nothing
else in the file can travel with it; a private key file is refused here,
before anything reaches the network.`,
		Example: "  ucx key register acme-2026.pub --not-after 2027-12-31",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := loadPublicKey(args[0], "FILE.pub")
			if err != nil {
				return usageErr(err)
			}
			na, err := parseNotAfter(notAfter, time.Now())
			if err != nil {
				return usageErr(err)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			k, err := c.RegisterKey(cmd.Context(), nil, string(pub.MarshalPEM()), na)
			if err != nil {
				return clientErr(err)
			}
			return printKey(cmd, f, k)
		},
	}
	register.Flags().StringVar(&notAfter, "not-after", "", "end of validity: YYYY-MM-DD (through that day, China time) or RFC 3339 (default two years)")

	list := &cobra.Command{
		Use:   "list",
		Short: "list your organisation's keys, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			keys, err := c.FindKeys(cmd.Context(), nil)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, keys, len(keys), 0, len(keys),
				[]string{"ID", "ALG", "CUSTODIAL", "FROM", "UNTIL", "REVOKED"},
				func(k *ucx.Key) []string {
					return []string{k.ID, k.Alg, strconv.FormatBool(k.Custodial), timeStr(&k.NotBefore), timeStr(&k.NotAfter), revokedStr(k)}
				})
		},
	}

	var reason string
	revoke := &cobra.Command{
		Use:   "revoke ID --reason TEXT",
		Short: "revoke a key from now on (seals it made before stay valid)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErr(errors.New("--reason is required: say why the key is revoked (it goes on the trust list's record)"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			k, err := c.RevokeKey(cmd.Context(), nil, args[0], reason)
			if err != nil {
				return clientErr(err)
			}
			return printKey(cmd, f, k)
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "why the key is revoked")

	cmd.AddCommand(register, list, revoke)
	return cmd
}

// parseNotAfter reads --not-after. A bare date means through the end of
// that day in China time, the platform's legal time zone, which is what
// someone writing a date on a form means; empty means the two years a
// custodial key gets.
func parseNotAfter(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.Add(sqlstore.DefaultKeyValidity), nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, ucx.ChinaTime); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--not-after %q is neither a date (2027-12-31) nor an RFC 3339 time", s)
	}
	return t, nil
}

func revokedStr(k *ucx.Key) string {
	if k.RevokedAt == nil {
		return ""
	}
	return timeStr(k.RevokedAt) + " " + k.RevokedReason
}

func printKey(cmd *cobra.Command, f *clientFlags, k *ucx.Key) error {
	if f.json {
		return printJSON(cmd.OutOrStdout(), k)
	}
	return fields(cmd.OutOrStdout(),
		"key", k.ID,
		"alg", k.Alg,
		"custodial", strconv.FormatBool(k.Custodial),
		"valid from", timeStr(&k.NotBefore),
		"valid until", timeStr(&k.NotAfter),
		"revoked", revokedStr(k),
	)
}

// newDocumentCmd is `ucx document`: sealed documents as the public sees
// them, by digest.
func newDocumentCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "document",
		Short: "download sealed documents and their verification bundles",
		Long: `document fetches sealed documents by digest (printed on each document and
in its QR code). They are public: no token is needed.

Exit status: 0 done, 1 the server refused (no such document), 2 usage,
3 server failure.`,
	}
	var out string
	bundle := &cobra.Command{
		Use:   "bundle DIGEST [-o FILE]",
		Short: "download a document's verification bundle, for ucx verify offline",
		Long: `bundle saves the verification bundle of the document with DIGEST: the sealed
document, the root-sealed trust list, the root public key, any revocations
and the transparency log's proofs. Check it anywhere, with no network, with

  ucx verify FILE

The bundle is saved as served and not checked here; ucx verify does that.`,
		Example: "  ucx document bundle sha256:3f… -o licence.bundle.json && ucx verify licence.bundle.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := publicClient(f).Bundle(cmd.Context(), args[0])
			if err != nil {
				return clientErr(err)
			}
			if !strings.HasSuffix(string(b), "\n") {
				b = append(b, '\n')
			}
			return writeOutput(cmd, out, b)
		},
	}
	bundle.Flags().StringVarP(&out, "output", "o", "", "write the bundle here (default standard output)")
	cmd.AddCommand(bundle)
	return cmd
}

// publicClient is a client for the public routes: it sends the token when
// there is one and goes without when there is none, rather than refusing
// as f.client does.
func publicClient(f *clientFlags) *client.Client {
	token := f.token
	if token == "" {
		token = os.Getenv("UCX_TOKEN")
	}
	c := client.New(f.serverURL(), token)
	c.UserAgent = "ucx-cli"
	return c
}

// localSealer seals documents the platform hands out with a private key
// read from the caller's own disk (--key FILE.key).
type localSealer struct {
	key *seal.PrivateKey
}

// loadSealer reads --key before anything goes to the server, so a wrong
// file is a usage error (exit 2) and not a half-done approval. It returns
// nil for an empty name: no --key, the custodial key seals.
func loadSealer(name string) (*localSealer, error) {
	if name == "" {
		return nil, nil
	}
	k, err := loadPrivateKey(name, "--key")
	if err != nil {
		return nil, usageErr(err)
	}
	return &localSealer{key: k}, nil
}

// sealed is what the caller learns of a document sealed locally: its
// digest (for ucx document bundle) and the key that sealed it.
type sealed struct {
	Digest string `json:"-"` // the record itself carries document_digest
	KeyID  string `json:"key_id"`
}

// seal seals doc for the caller's organisation and returns the envelope.
// The organisation a seal names is the platform's id of it, which the
// trust list binds the key to; it is taken from GET /api/v1/me rather than
// a flag, so that a seal can never name an organisation the token does
// not act for. The seal time is this machine's clock: the server refuses
// a seal dated more than a few minutes ahead of its own.
func (s *localSealer) seal(ctx context.Context, c *client.Client, doc []byte) ([]byte, *sealed, error) {
	me, err := c.Me(ctx)
	if err != nil {
		return nil, nil, clientErr(err)
	}
	env := seal.Envelope{Document: doc}
	if err := env.Sign(s.key, strconv.FormatInt(me.OrgID, 10), time.Now()); err != nil {
		// The server's document cannot be sealed (not canonical, empty):
		// nothing the caller can fix, so not a usage error.
		return nil, nil, &exitError{code: exitInternal, err: fmt.Errorf("cannot seal the server's document: %s", errText(err))}
	}
	b, err := env.Marshal()
	if err != nil {
		return nil, nil, &exitError{code: exitInternal, err: err}
	}
	return b, &sealed{Digest: seal.DigestOf(doc).String(), KeyID: s.key.Public().ID()}, nil
}

// sealFetched fetches the platform's document with fetch and seals it
// here. A nil sealer (no --key) does nothing: the platform seals with the
// custodial key.
func (s *localSealer) sealFetched(ctx context.Context, c *client.Client, fetch func() ([]byte, error)) ([]byte, *sealed, error) {
	if s == nil {
		return nil, nil, nil
	}
	doc, err := fetch()
	if err != nil {
		return nil, nil, clientErr(err)
	}
	return s.seal(ctx, c, doc)
}

// printSealed prints what print (printRequest or printLicence) would,
// plus the sealed document's digest and key when the document was sealed
// here: for JSON, asJSON is the record with s embedded, so the answer
// gains "document_digest" and "key_id" members and keeps its shape; for
// people, one more line.
func printSealed(cmd *cobra.Command, f *clientFlags, asJSON any, s *sealed, print func() error) error {
	if s != nil && f.json {
		return printJSON(cmd.OutOrStdout(), asJSON)
	}
	if err := print(); err != nil || s == nil {
		return err
	}
	return fields(cmd.OutOrStdout(), "sealed", s.Digest+" (key "+s.KeyID+")")
}
