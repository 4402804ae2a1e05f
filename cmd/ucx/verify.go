package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/bundle"
	"github.com/ucxdev/ucx/docpdf"
	"github.com/ucxdev/ucx/seal"
	"github.com/ucxdev/ucx/tlog"
)

// anchorsEnv names the trust anchors file when --anchors is not given.
const anchorsEnv = bundle.AnchorsEnv

// defaultAnchorsPath is where ucx verify looks for trust anchors when
// neither --anchors nor UCX_TRUST_ANCHORS names a file.
func defaultAnchorsPath() string { return bundle.DefaultAnchorsPath() }

// newVerifyCmd is `ucx verify`: the offline check anyone can run on a
// sealed document, against the anchors the verifier pinned out of band.
func newVerifyCmd() *cobra.Command {
	var trustFile, anchorsFile, logPub, lang string
	var rootPubs, fingerprints, witnesses, requireOrgs []string
	var asJSON, noLog bool
	var minWitnesses int
	cmd := &cobra.Command{
		Use:   "verify [--root-pub FILE | --root-fingerprint FP | --anchors FILE] [--log-key-pub KEY | --no-log] [--json] [--lang zh|en|ru] FILE|-",
		Short: "verify a sealed document offline: integrity, issuer and status",
		Long: `verify checks a sealed document with no network and gives one verdict:
valid, not valid (possible forgery), revoked, or cannot be checked. It
checks that the document is byte for byte what was sealed (integrity);
that it carries a valid seal of exactly the organisation it names as its
issuer, of the kind that issues it — a confirmation its manufacturer, a
licence its authority (issuer), keys on the trust list sealed by a root you
pinned; and that neither the document nor a key was revoked (status),
including any revocation in the transparency log up to the bundle's
checkpoint.

Only roots you pinned are trusted, never the one a bundle carries: pin the
platform's root with --root-pub FILE, --root-fingerprint FP, or a trust
anchors file (--anchors FILE, else $UCX_TRUST_ANCHORS, else
ucx/trust-anchors.json in your configuration directory, ~/.config on
Linux). Fetch the anchors from the platform's /.well-known/ucx-root and
compare the fingerprint with the one printed on the document or given by
the platform's operator. An unpinned root is "cannot be checked".

The log key (--log-key-pub, or the anchors') makes the document's
transparency-log proof required; without a log key, give --no-log to
verify without the log, knowing that a revocation left out of the bundle
then goes unseen. --witness KEY (repeatable) requires a cosignature of
that witness on the bundle's checkpoint; with --min-witnesses N, N of the
witnesses given suffice. Too few cosignatures is "cannot be checked"
(log_witnesses_missing, exit 1): fetch a bundle whose checkpoint the
witnesses have cosigned. N larger than the witnesses given is a usage
error (exit 2).

FILE is a verification bundle (GET /api/v1/documents/{digest}/bundle), or
a bare sealed envelope with --trust FILE (the sealed trust list).

Exit status: 0 valid, 1 not valid, revoked or cannot be checked, 2 usage
error or unusable input.`,
		Example: "  curl -s https://ucx.example/.well-known/ucx-root > ~/.config/ucx/trust-anchors.json\n  ucx verify licence.bundle.json\n  ucx verify --root-pub root.pub --no-log --lang en bundle.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tr, ok := bundle.Texts[lang]
			if !ok {
				return usageErr(fmt.Errorf("--lang %q is not supported; use zh, en or ru", lang))
			}
			raw, err := readInput(cmd, args[0], "the envelope")
			if err != nil {
				return usageErr(err)
			}
			// A PDF from GET /documents/{digest}/pdf carries its bundle:
			// verify that, offline, like any bundle.
			if docpdf.IsPDF(raw) {
				if raw, err = docpdf.Bundle(raw); err != nil {
					return usageErr(fmt.Errorf("%s: %v", args[0], err))
				}
			}
			opts := bundle.Options{RequireOrgs: requireOrgs, NoLog: noLog, RootFingerprints: fingerprints, MinWitnesses: minWitnesses}
			for _, f := range rootPubs {
				k, err := loadPublicKey(f, "--root-pub")
				if err != nil {
					return usageErr(err)
				}
				opts.Roots = append(opts.Roots, k)
			}
			if logPub != "" {
				k := logPub
				if b, err := os.ReadFile(logPub); err == nil {
					k = strings.TrimSpace(string(b))
				}
				if opts.LogKey, err = tlog.ParseVerifierKey(k); err != nil {
					return usageErr(fmt.Errorf("--log-key-pub: %s", errText(err)))
				}
			}
			for _, w := range witnesses {
				v, err := tlog.ParseCosignerKey(w)
				if err != nil {
					return usageErr(fmt.Errorf("--witness %q: %v", w, err))
				}
				opts.Witnesses = append(opts.Witnesses, v)
			}
			// --witness alone requires every witness named; --min-witnesses
			// says how many of them suffice.
			if !cmd.Flags().Changed("min-witnesses") {
				opts.MinWitnesses = len(opts.Witnesses)
			}
			if err := loadAnchors(anchorsFile, &opts); err != nil {
				return usageErr(err)
			}
			switch {
			case opts.MinWitnesses < 0:
				return usageErr(fmt.Errorf("--min-witnesses %d: give a number of witnesses, 0 or more", opts.MinWitnesses))
			case opts.MinWitnesses > len(opts.Witnesses):
				return usageErr(fmt.Errorf("--min-witnesses %d, but only %d witness keys are given (--witness KEY, or the trust anchors' witnesses): no checkpoint could ever satisfy it", opts.MinWitnesses, len(opts.Witnesses)))
			case opts.MinWitnesses > 0 && opts.LogKey == nil:
				return usageErr(errors.New("witness cosignatures are on the log's checkpoints: pin the log key too (--log-key-pub, or the trust anchors)"))
			}
			if trustFile != "" {
				if opts.TrustList, err = readInput(cmd, trustFile, "the trust list"); err != nil {
					return usageErr(err)
				}
				// A trust list that is not even a sealed envelope is
				// unusable input; one sealed by another root is a
				// finding, reported in the verdicts.
				if _, err := seal.ParseEnvelope(opts.TrustList); err != nil {
					return usageErr(fmt.Errorf("%s is not a trust list: %s", trustFile, errText(err)))
				}
			} else if !bundle.Is(raw) {
				return usageErr(errors.New("give --trust FILE (the sealed trust list) for a bare envelope, or verify a bundle, which carries it"))
			}
			v, err := bundle.Verify(raw, opts)
			if err != nil {
				if ucxErr := (*ucx.Error)(nil); errors.As(err, &ucxErr) && ucxErr.Field == "envelope" {
					return usageErr(fmt.Errorf("%s is not a sealed envelope: %s", inputName(args[0]), errText(err)))
				}
				return usageErr(fmt.Errorf("%s cannot be verified: %s", inputName(args[0]), errText(err)))
			}
			return writeVerification(cmd, v, tr, lang, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&trustFile, "trust", "", "the sealed trust list, for a bare envelope (a bundle carries its own)")
	f.StringSliceVar(&rootPubs, "root-pub", nil, "a pinned platform root public key file, PKIX PEM (repeatable)")
	f.StringSliceVar(&fingerprints, "root-fingerprint", nil, "a pinned root fingerprint, as the platform publishes it (repeatable)")
	f.StringVar(&anchorsFile, "anchors", "", "the trust anchors file (default $"+anchorsEnv+", else ucx/trust-anchors.json in the user configuration directory)")
	f.StringVar(&logPub, "log-key-pub", "", "the pinned transparency log key (<origin>+<hash>+<key>), or a file holding it")
	f.BoolVar(&noLog, "no-log", false, "verify without the transparency log (a stripped revocation then goes unseen)")
	f.StringSliceVar(&witnesses, "witness", nil, "a trusted witness's note verifier key (repeatable)")
	f.IntVar(&minWitnesses, "min-witnesses", 0, "how many of the --witness keys must have cosigned the checkpoint (default: all of them)")
	f.BoolVar(&asJSON, "json", false, "print the verification as one JSON object")
	f.StringVar(&lang, "lang", "zh", "language of the report: zh, en or ru")
	f.StringSliceVar(&requireOrgs, "require-org", nil, "an organisation id that must have a valid seal on the document (repeatable)")
	return cmd
}

func inputName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// loadAnchors adds the trust anchors file's roots and log key to opts
// (bundle.LoadAnchors: the file named, else $UCX_TRUST_ANCHORS, else the
// default path if it exists).
func loadAnchors(name string, opts *bundle.Options) error {
	_, err := bundle.LoadAnchors(name, opts)
	if err != nil {
		return errors.New(errText(err))
	}
	return nil
}

// verdictJSON is one check in `ucx verify --json`. The names are the
// command's output contract: add fields, never rename them.
type verdictJSON struct {
	OK      bool   `json:"ok"`
	Reason  string `json:"reason,omitempty"`  // the stable reason code
	Message string `json:"message,omitempty"` // the reason in the chosen language
	Detail  string `json:"detail,omitempty"`  // what was found (English)
}

type sealJSON struct {
	Alg       string      `json:"alg"`
	KeyID     string      `json:"key_id"`
	Org       string      `json:"org"`
	OrgName   string      `json:"org_name,omitempty"` // from the trust list
	OrgKind   string      `json:"org_kind,omitempty"`
	SealedAt  string      `json:"sealed_at"`
	Integrity verdictJSON `json:"integrity"`
	Issuer    verdictJSON `json:"issuer"`
	Status    verdictJSON `json:"status"`
}

// verifyJSON is `ucx verify --json`: bundle.Verification with each
// reason also in the chosen language.
type verifyJSON struct {
	Verdict   string             `json:"verdict"`
	Message   string             `json:"message"`
	Valid     bool               `json:"valid"`
	Reason    string             `json:"reason,omitempty"`
	Digest    string             `json:"digest"`
	Integrity verdictJSON        `json:"integrity"`
	Issuer    verdictJSON        `json:"issuer"`
	Status    verdictJSON        `json:"status"`
	Seals     []sealJSON         `json:"seals"`
	Log       *bundle.LogVerdict `json:"log,omitempty"`
	Root      *bundle.RootInfo   `json:"root,omitempty"`
	IssuedBy  *seal.Org          `json:"issued_by,omitempty"`
	Facts     *bundle.Facts      `json:"facts,omitempty"`
	Limits    []string           `json:"limits,omitempty"`
}

func verdictText(v bundle.VerdictJSON, lang string) verdictJSON {
	j := verdictJSON{OK: v.OK, Reason: v.Reason, Detail: v.Detail}
	if !v.OK {
		j.Message = bundle.ReasonText(lang, v.Reason)
	}
	return j
}

func newVerifyReport(v *bundle.Verification, tr *bundle.Text, lang string) verifyJSON {
	j := verifyJSON{Verdict: v.Verdict, Message: tr.Verdicts[v.Verdict], Valid: v.OK, Reason: v.Reason, Digest: v.Digest,
		Integrity: verdictText(v.Integrity, lang), Issuer: verdictText(v.Issuer, lang), Status: verdictText(v.Status, lang),
		Log: v.Log, Root: v.Root, IssuedBy: v.IssuedBy, Facts: v.Facts, Limits: v.Limits, Seals: make([]sealJSON, len(v.Seals))}
	for i, s := range v.Seals {
		j.Seals[i] = sealJSON{Alg: s.Alg, KeyID: s.KeyID, Org: s.Org, OrgName: s.OrgName, OrgKind: s.OrgKind,
			SealedAt:  s.SealedAt.UTC().Format(time.RFC3339),
			Integrity: verdictText(s.Integrity, lang), Issuer: verdictText(s.Issuer, lang), Status: verdictText(s.Status, lang)}
	}
	return j
}

// verifyTextReport renders the verification for a person: the verdict,
// the three checks and the log, each seal, the root and what could not be
// proven. Seal fields come from the envelope, so they are quoted when not
// printable ASCII.
func verifyTextReport(v *bundle.Verification, tr *bundle.Text, lang string) string {
	j := newVerifyReport(v, tr, lang)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", j.Message, j.Digest)
	printed := make(map[string]bool)
	check := func(indent, label string, c verdictJSON) {
		if printed[c.Detail] {
			c.Detail = ""
		}
		printed[c.Detail] = true
		if c.OK {
			fmt.Fprintf(&b, "%s%s: %s\n", indent, label, tr.Pass)
		} else {
			fmt.Fprintf(&b, "%s%s: %s: %s (%s)\n", indent, label, tr.Fail, c.Message, c.Reason)
		}
		if c.Detail != "" {
			fmt.Fprintf(&b, "%s  %s\n", indent, c.Detail)
		}
	}
	check("  ", tr.Integrity, j.Integrity)
	check("  ", tr.Issuer, j.Issuer)
	check("  ", tr.Status, j.Status)
	if v.Log != nil {
		check("  ", tr.Log, verdictText(bundle.VerdictJSON{OK: v.Log.OK, Reason: v.Log.Reason, Detail: v.Log.Detail}, lang))
	}
	for i, s := range j.Seals {
		org := printable(s.Org)
		if s.OrgName != "" {
			org += " (" + s.OrgName + ", " + s.OrgKind + ")"
		}
		fmt.Fprintf(&b, "  seal %d: key %s %s, organisation %s, sealed at %s\n", i+1, printable(s.KeyID), s.Alg, org, s.SealedAt)
		if !s.Integrity.OK || !s.Issuer.OK || !s.Status.OK {
			check("    ", tr.Integrity, s.Integrity)
			check("    ", tr.Issuer, s.Issuer)
			check("    ", tr.Status, s.Status)
		}
	}
	if v.Root != nil {
		pinned := "pinned"
		if !v.Root.Pinned {
			pinned = "NOT pinned"
		}
		fmt.Fprintf(&b, "  root %s, fingerprint %s (%s)\n", v.Root.KeyID, v.Root.Fingerprint, pinned)
	}
	for _, l := range v.Limits {
		fmt.Fprintf(&b, "  note: %s\n", l)
	}
	return b.String()
}

// writeVerification prints the verification and sets the exit status: 0
// valid, 1 anything else.
func writeVerification(cmd *cobra.Command, v *bundle.Verification, tr *bundle.Text, lang string, asJSON bool) error {
	var out []byte
	if asJSON {
		var err error
		if out, err = json.Marshal(newVerifyReport(v, tr, lang)); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		out = append(out, '\n')
	} else {
		out = []byte(verifyTextReport(v, tr, lang))
	}
	if err := writeOutput(cmd, "", out); err != nil {
		return err
	}
	if !v.OK {
		return &exitError{code: exitFound}
	}
	return nil
}
