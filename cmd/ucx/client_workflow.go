package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
)

// newRequestCmd is `ucx request`: a manufacturer's inbox of confirmation
// requests (R1–R3).
func newRequestCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "request",
		Short: "list, show, approve or refuse manufacturer confirmation requests",
		Long: `request works with After-Sales Service Confirmation requests (R1–R3): a
manufacturer's inbox of its own vehicles' requests.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}

	var state string
	var offset, limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "list requests (a manufacturer's inbox)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			flt := ucx.RequestFilter{State: ucx.ConfirmationState(state), Offset: offset, Limit: limit}
			reqs, total, err := c.FindRequests(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, reqs, total, offset, limit,
				[]string{"ID", "STATE", "APP", "VIN", "BRAND", "MODEL", "DEST", "REGISTERED", "VER", "REQUESTED"},
				func(r *ucx.ConfirmationRequest) []string {
					at := r.RequestedAt
					return []string{id64(r.ID), string(r.State), id64(r.ApplicationID), r.VIN, r.Brand, r.Model, r.Destination,
						r.RegistrationDate.String(), strconv.Itoa(r.Version), timeStr(&at)}
				})
		},
	}
	list.Flags().StringVar(&state, "state", "", "pending, approved, refused or void")
	list.Flags().IntVar(&offset, "offset", 0, "records to skip")
	list.Flags().IntVar(&limit, "limit", 50, "records to show (at most 500)")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "show one request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("the request id", args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.FindRequestByID(cmd.Context(), nil, id)
			if err != nil {
				return clientErr(err)
			}
			return printRequest(cmd.OutOrStdout(), f, r)
		},
	}

	var approveVersion int
	var outlets []int64
	var approveKey string
	approve := &cobra.Command{
		Use:   "approve ID --outlet N [--outlet N …] [--key FILE.key]",
		Short: "approve, naming the outlets that will serve the vehicle in its destination (R3)",
		Long: `approve approves a request, naming the outlets that will serve the vehicle in
its destination (R3). The approval produces the sealed After-Sales Service
Confirmation.

With --key, the confirmation is sealed on this machine with the private key
ucx keygen made (its public key registered with ucx key register): the
platform's document is fetched, sealed here for your organisation, and the
envelope sent back. The private key never leaves this machine. Without
--key, the platform seals with your organisation's custodial key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("the request id", args[0])
			if err != nil {
				return err
			}
			if len(outlets) == 0 {
				return usageErr(errors.New("name at least one outlet with --outlet (see your organisation's outlets)"))
			}
			sealer, err := loadSealer(approveKey)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			version, err := requestVersion(cmd, c, id, approveVersion)
			if err != nil {
				return err
			}
			env, sd, err := sealer.sealFetched(cmd.Context(), c, func() ([]byte, error) {
				return c.ConfirmationToSeal(cmd.Context(), nil, id, outlets)
			})
			if err != nil {
				return err
			}
			r, err := c.ApproveRequestSealed(cmd.Context(), nil, id, version, outlets, env)
			if err != nil {
				return clientErr(err)
			}
			return printSealed(cmd, f, struct {
				*ucx.ConfirmationRequest
				*sealed
			}{r, sd}, sd, func() error { return printRequest(cmd.OutOrStdout(), f, r) })
		},
	}
	approve.Flags().Int64SliceVar(&outlets, "outlet", nil, "an outlet id (repeat, or separate with commas)")
	approve.Flags().IntVar(&approveVersion, "version", 0, "the version you last read (default: the current one)")
	approve.Flags().StringVar(&approveKey, "key", "", "seal here with this private key file from ucx keygen (default: the custodial key)")

	refuse := newRefuseCmd(f, refuseSpec{
		use: "refuse ID --code CODE --text TEXT", short: "refuse, with a reason code and an explanation",
		long: "refuse refuses a request.", idName: "the request id",
		versionHelp: "the version you last read (default: the current one)",
		do: func(cmd *cobra.Command, c *client.Client, id int64, given int, code, text string) error {
			version, err := requestVersion(cmd, c, id, given)
			if err != nil {
				return err
			}
			r, err := c.RefuseRequest(cmd.Context(), nil, id, version, code, text)
			if err != nil {
				return clientErr(err)
			}
			return printRequest(cmd.OutOrStdout(), f, r)
		},
	})

	cmd.AddCommand(list, show, approve, refuse, newRequestAnswerCmd(f))
	return cmd
}

// requestVersion is the version given, or else the request's current one.
func requestVersion(cmd *cobra.Command, c *client.Client, id int64, given int) (int, error) {
	if given != 0 {
		return given, nil
	}
	r, err := c.FindRequestByID(cmd.Context(), nil, id)
	if err != nil {
		return 0, clientErr(err)
	}
	return r.Version, nil
}

func refusalCodes() string {
	codes := make([]string, 0, len(ucx.RefusalCodes))
	for c := range ucx.RefusalCodes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

func printRequest(w io.Writer, f *clientFlags, r *ucx.ConfirmationRequest) error {
	if f.json {
		return printJSON(w, r)
	}
	outlets := make([]string, len(r.OutletIDs))
	for i, o := range r.OutletIDs {
		outlets[i] = id64(o)
	}
	at := r.RequestedAt
	return fields(w,
		"request", id64(r.ID),
		"state", string(r.State),
		"version", strconv.Itoa(r.Version),
		"application", id64(r.ApplicationID),
		"exporter", id64(r.ExporterID),
		"manufacturer", id64(r.ManufacturerID),
		"vin", r.VIN,
		"vehicle", r.Brand+" "+r.Model,
		"registered", r.RegistrationDate.String(),
		"destination", r.Destination,
		"outlets", strings.Join(outlets, ", "),
		"refusal", strings.TrimSpace(r.RefusalCode+" "+r.RefusalText),
		"requested", timeStr(&at),
		"answered", timeStr(r.AnsweredAt),
	)
}

// newLicenceCmd is `ucx licence`: an authority issues or refuses (R14);
// anyone entitled looks licences up.
func newLicenceCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "licence",
		Aliases: []string{"license"},
		Short:   "issue, refuse, show and list export licences",
		Long: `licence works with export licences: an authority issues or refuses the
licence of an application under review (R14); exporters, authorities and
customs look licences up.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}

	var issueVersion int
	var issueKey string
	issue := &cobra.Command{
		Use:   "issue APP_ID [--key FILE.key]",
		Short: "issue the licence of an application under review",
		Long: `issue issues the export licence of an application under review (R14), as a
document sealed by the authority.

With --key, the licence is sealed on this machine with the private key ucx
keygen made (its public key registered with ucx key register); the private
key never leaves this machine. Without --key, the platform seals with the
authority's custodial key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("the application id", args[0])
			if err != nil {
				return err
			}
			sealer, err := loadSealer(issueKey)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			version, err := appVersion(cmd, c, id, issueVersion)
			if err != nil {
				return err
			}
			env, sd, err := sealer.sealFetched(cmd.Context(), c, func() ([]byte, error) {
				return c.LicenceToSeal(cmd.Context(), nil, id)
			})
			if err != nil {
				return err
			}
			lic, err := c.IssueLicenceSealed(cmd.Context(), nil, id, version, env)
			if err != nil {
				return clientErr(err)
			}
			return printSealed(cmd, f, struct {
				*ucx.Licence
				*sealed
			}{lic, sd}, sd, func() error { return printLicence(cmd.OutOrStdout(), f, lic) })
		},
	}
	issue.Flags().IntVar(&issueVersion, "version", 0, "the application version you reviewed (default: the current one)")
	issue.Flags().StringVar(&issueKey, "key", "", "seal here with this private key file from ucx keygen (default: the custodial key)")

	refuse := newRefuseCmd(f, refuseSpec{
		use: "refuse APP_ID --code CODE --text TEXT", short: "refuse the licence of an application under review",
		long: "refuse refuses a licence.", idName: "the application id",
		versionHelp: "the application version you reviewed (default: the current one)",
		do: func(cmd *cobra.Command, c *client.Client, id int64, given int, code, text string) error {
			version, err := appVersion(cmd, c, id, given)
			if err != nil {
				return err
			}
			app, err := c.RefuseLicence(cmd.Context(), nil, id, version, code, text)
			if err != nil {
				return clientErr(err)
			}
			return printAppState(cmd, f, app)
		},
	})

	show := &cobra.Command{
		Use:   "show NUMBER|ID",
		Short: "show one licence, by its number or id, with its document's digest",
		Long: `show shows a licence you are a party to (its exporter, an authority,
customs), found by its number (UCX-2026-000123) or its id: its state, its
vehicles and the digest of its sealed document, the key of the document's
print view, PDF, bundle and verify page (document_digest with --json).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			lic, err := findLicence(cmd, c, args[0])
			if err != nil {
				return err
			}
			return printLicence(cmd.OutOrStdout(), f, lic)
		},
	}

	var format, output string
	download := &cobra.Command{
		Use:   "download NUMBER|ID [--format bundle|pdf|json] [-o FILE]",
		Short: "download a licence's sealed document: its verification bundle, PDF or envelope",
		Long: `download saves the sealed document of a licence you are a party to, found by
its number or id:

  --format bundle  the verification bundle (default), for ucx verify offline
  --format pdf     the PDF, laid out as an official document, with the bundle
                   embedded: ucx verify FILE.pdf checks it offline
  --format json    the sealed envelope alone (the document and its seals)

-o FILE names the file (- for standard output); the default is the licence
number with .bundle.json, .pdf or .json. Nothing is checked here: ucx verify
does that.

Exit status: 0 saved, 1 no such licence for you or no sealed document, 2
usage, 3 server failure.`,
		Example: "  ucx licence download UCX-2026-000123 --format pdf -o licence.pdf && ucx verify licence.pdf",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ext := map[string]string{"bundle": ".bundle.json", "pdf": ".pdf", "json": ".json"}[format]
			if ext == "" {
				return usageErr(fmt.Errorf("--format %q: use bundle, pdf or json", format))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			lic, err := findLicence(cmd, c, args[0])
			if err != nil {
				return err
			}
			if lic.DocumentDigest == "" {
				return &exitError{code: exitFound, err: fmt.Errorf("licence %s has no sealed document: it was issued while sealing was off", lic.Number)}
			}
			var b []byte
			switch format {
			case "bundle":
				b, err = c.Bundle(cmd.Context(), lic.DocumentDigest)
			case "pdf":
				b, err = c.PDF(cmd.Context(), lic.DocumentDigest)
			case "json":
				b, _, err = c.Document(cmd.Context(), lic.DocumentDigest)
			}
			if err != nil {
				return clientErr(err)
			}
			if format != "pdf" && !bytes.HasSuffix(b, []byte("\n")) {
				b = append(b, '\n')
			}
			name := output
			if name == "" {
				name = strings.NewReplacer("/", "-", "\\", "-").Replace(lic.Number) + ext
			}
			if err := writeOutput(cmd, name, b); err != nil {
				return err
			}
			if name != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "saved %s: licence %s, document %s\n", name, lic.Number, lic.DocumentDigest)
			}
			return nil
		},
	}
	download.Flags().StringVar(&format, "format", "bundle", "bundle, pdf or json")
	download.Flags().StringVarP(&output, "output", "o", "", "the file to write (- for standard output; default NUMBER.bundle.json, .pdf or .json)")

	var flt ucx.LicenceFilter
	list := &cobra.Command{
		Use:   "list [--number N] [--vin VIN]",
		Short: "list licences, by number or VIN",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			lics, total, err := c.FindLicences(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, lics, total, flt.Offset, flt.Limit,
				[]string{"ID", "NUMBER", "APP", "DEST", "VINS", "ISSUED", "VALID UNTIL", "STATE", "CLEARED"},
				func(l *ucx.Licence) []string {
					return []string{id64(l.ID), l.Number, id64(l.ApplicationID), l.Destination, scheduleVINs(l), l.IssuedOn.String(),
						l.ValidUntil.String(), string(l.State), timeStr(l.ClearedAt)}
				})
		},
	}
	list.Flags().StringVar(&flt.Number, "number", "", "licence number")
	list.Flags().StringVar(&flt.VIN, "vin", "", "a VIN in the licence's schedule")
	list.Flags().IntVar(&flt.Offset, "offset", 0, "records to skip")
	list.Flags().IntVar(&flt.Limit, "limit", 50, "records to show (at most 500)")

	cmd.AddCommand(issue, refuse, show, download, list)
	return cmd
}

// findLicence finds a licence the caller may see by its number, or by
// its id when the argument is all digits (licence numbers never are).
func findLicence(cmd *cobra.Command, c *client.Client, arg string) (*ucx.Licence, error) {
	arg = strings.TrimSpace(arg)
	if arg != "" && strings.Trim(arg, "0123456789") == "" {
		id, err := parseID("the licence id", arg)
		if err != nil {
			return nil, err
		}
		lic, err := c.FindLicenceByID(cmd.Context(), nil, id)
		return lic, clientErr(err)
	}
	if arg == "" {
		return nil, usageErr(errors.New("give a licence number (UCX-2026-000123) or id"))
	}
	lics, _, err := c.FindLicences(cmd.Context(), nil, ucx.LicenceFilter{Number: arg, Limit: 2})
	if err != nil {
		return nil, clientErr(err)
	}
	if len(lics) != 1 {
		return nil, clientErr(ucx.Errorf(ucx.ENOTFOUND, "no licence numbered %s that you are a party to", arg))
	}
	return lics[0], nil
}

// appVersion is the version given, or else the application's current one.
func appVersion(cmd *cobra.Command, c *client.Client, id int64, given int) (int, error) {
	if given != 0 {
		return given, nil
	}
	app, err := c.FindApplicationByID(cmd.Context(), nil, id)
	if err != nil {
		return 0, clientErr(err)
	}
	return app.Version, nil
}

func scheduleVINs(l *ucx.Licence) string {
	vins := make([]string, len(l.Schedule))
	for i, v := range l.Schedule {
		vins[i] = v.VIN
	}
	return strings.Join(vins, ",")
}

func printLicence(w io.Writer, f *clientFlags, l *ucx.Licence) error {
	if f.json {
		return printJSON(w, l)
	}
	if err := fields(w,
		"licence", id64(l.ID),
		"number", l.Number,
		"application", id64(l.ApplicationID),
		"exporter", id64(l.ExporterID),
		"authority", id64(l.AuthorityID),
		"destination", l.Destination,
		"issued", l.IssuedOn.String(),
		"valid until", l.ValidUntil.String(),
		"state", string(l.State),
		"cleared", timeStr(l.ClearedAt),
		"port", l.Port,
		"declaration", l.DeclarationNumber,
		"deregister by", l.DeregistrationDue.String(),
		"document", l.DocumentDigest,
	); err != nil {
		return err
	}
	t := newTable(w, "  VIN", "BRAND", "MODEL", "REGISTERED", "TRANSFERRED")
	for _, v := range l.Schedule {
		t.row("  "+v.VIN, v.Brand, v.Model, v.RegistrationDate.String(), v.TransferDate.String())
	}
	return t.flush()
}

// newClearCmd is `ucx clear`: customs records the clearance of a licence,
// once (R15), which starts the two-month deregistration deadline (R16).
func newClearCmd(f *clientFlags) *cobra.Command {
	var port, declaration string
	cmd := &cobra.Command{
		Use:   "clear NUMBER|LICENCE_ID --port PORT --declaration NUMBER",
		Short: "record customs clearance of a licence (customs)",
		Long: `clear records that a licence's vehicles cleared customs at a port under a
declaration (R15); the licence is named by its number (UCX-2026-000123)
or its id. A licence is consumed once: a second clearance is refused
as a conflict. The vehicle must then be deregistered within two months (R16).

Exit status: 0 recorded, 1 the server refused, 2 usage, 3 server failure.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if port == "" || declaration == "" {
				return usageErr(errors.New("--port and --declaration are both required"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			found, err := findLicence(cmd, c, args[0])
			if err != nil {
				return err
			}
			lic, err := c.RecordClearance(cmd.Context(), nil, found.ID, port, declaration)
			if err != nil {
				return clientErr(err)
			}
			return printLicence(cmd.OutOrStdout(), f, lic)
		},
	}
	cmd.Flags().StringVar(&port, "port", "", "the exit port")
	cmd.Flags().StringVar(&declaration, "declaration", "", "the customs declaration number")
	return cmd
}

// refuseSpec is what differs between refusing a confirmation request (a
// manufacturer) and refusing a licence (an authority): the record, how its
// version is found, and what the server is asked.
type refuseSpec struct {
	use, short, long, idName, versionHelp string
	do                                    func(cmd *cobra.Command, c *client.Client, id int64, version int, code, text string) error
}

// newRefuseCmd builds a `refuse ID --code CODE --text TEXT` command: both
// refusals take a reason code from ucx.RefusalCodes and an explanation.
func newRefuseCmd(f *clientFlags, spec refuseSpec) *cobra.Command {
	var version int
	var code, text string
	cmd := &cobra.Command{
		Use:   spec.use,
		Short: spec.short,
		Long:  spec.long + " Codes: " + refusalCodes() + ".",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(spec.idName, args[0])
			if err != nil {
				return err
			}
			if code == "" {
				return usageErr(errors.New("--code is required: " + refusalCodes()))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			return spec.do(cmd, c, id, version, code, text)
		},
	}
	cmd.Flags().StringVar(&code, "code", "", "reason code")
	cmd.Flags().StringVar(&text, "text", "", "the explanation for the exporter")
	cmd.Flags().IntVar(&version, "version", 0, spec.versionHelp)
	return cmd
}
