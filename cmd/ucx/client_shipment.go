package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sheet"
)

// newShipmentCmd is `ucx shipment`: the batch workflow (一批一证, R4). An
// exporter files a batch of vehicles under one licence; each manufacturer
// answers one letter for all of its VINs (R3); the authority issues one
// licence or refuses it.
func newShipmentCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shipment",
		Short: "file, list, show, drop from, submit, issue and refuse shipments (batches under one licence)",
		Long: `shipment works with shipments: batches of vehicles under one export
licence (一批一证, R4). Every vehicle is decided by the policy on its own;
submitting sends one letter to each manufacturer naming all of its VINs
(R3, R4); the authority issues one licence listing every live vehicle.

Exit status: 0 done, 1 the server refused (invalid data, not allowed,
not found, a conflict, a rule), 2 usage, 3 the server failed or could not
be reached.`,
	}
	cmd.AddCommand(newShipmentFileCmd(f), newShipmentListCmd(f), newShipmentShowCmd(f), newShipmentDropCmd(f),
		newShipmentActionCmd(f, "submit", "submit a draft: one letter per manufacturer (R4), the rest to review"),
		newShipmentActionCmd(f, "withdraw", "withdraw every live vehicle before the licence"),
		newShipmentIssueCmd(f), newShipmentRefuseCmd(f))
	return cmd
}

func newShipmentFileCmd(f *clientFlags) *cobra.Command {
	var submit bool
	var key string
	var head ucx.ShipmentInput
	cmd := &cobra.Command{
		Use:   "file FILE.json | FILE.csv | FILE.xlsx | -",
		Short: "file a shipment from a JSON file (ShipmentInput) or a sheet of its vehicles",
		Long: `file sends one shipment. A .json file (or - for standard input) is the
ShipmentInput object POST /api/v1/shipments takes; a .csv, .xlsx or .jsonl
sheet has a row per vehicle with the columns ucx import reads, and the
shipment takes its destination, buyer and contract number from the flags
or else from the rows, which must then agree.

It prints each vehicle's outcome (R1: whether a manufacturer letter is
needed). With --idempotency-key the command is safe to repeat.`,
		Example: "  ucx shipment file batch.csv --after-sales '制造商海外网点保修 12 个月' --submit",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := readShipment(cmd, args[0], &head)
			if err != nil {
				return err
			}
			if submit {
				in.Submit = true
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			sh, created, err := c.CreateShipment(cmd.Context(), nil, in, ucx.CreateOptions{IdempotencyKey: key})
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), sh)
			}
			w := cmd.OutOrStdout()
			if created {
				fmt.Fprintf(w, "filed shipment %d: %s, %d vehicles\n", sh.ID, sh.State, len(sh.Vehicles))
			} else {
				fmt.Fprintf(w, "shipment %d was filed before with this idempotency key: %s\n", sh.ID, sh.State)
			}
			return printShipmentVehicles(w, sh)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&submit, "submit", false, "submit at once instead of keeping a draft")
	fl.StringVar(&key, "idempotency-key", "", "a key that makes a repeated command file only once")
	fl.StringVar(&head.Destination, "destination", "", "destination country of a sheet's shipment (ISO 3166-1 alpha-2)")
	fl.StringVar(&head.Buyer, "buyer", "", "the buyer of a sheet's shipment")
	fl.StringVar(&head.ContractNumber, "contract", "", "the export contract number of a sheet's shipment")
	fl.StringVar(&head.AfterSalesTerms, "after-sales", "", "the contract's after-sales terms, summarised")
	return cmd
}

// readShipment reads a shipment: JSON strictly (a misspelt field is a
// usage error before anything is sent), or a sheet of vehicles with the
// shipment's fields from head or from the rows.
func readShipment(cmd *cobra.Command, name string, head *ucx.ShipmentInput) (*ucx.ShipmentInput, error) {
	var r io.Reader
	if name == "-" {
		r = cmd.InOrStdin()
	} else {
		fh, err := os.Open(name)
		if err != nil {
			return nil, usageErr(err)
		}
		defer fh.Close()
		r = fh
	}
	data, err := io.ReadAll(io.LimitReader(r, ucxhttp.DefaultMaxBodyBytes+1))
	if err != nil {
		return nil, usageErr(err)
	}
	if len(data) > ucxhttp.DefaultMaxBodyBytes {
		return nil, usageErr(fmt.Errorf("%s: larger than %d bytes; a shipment of %d vehicles is much smaller", name, ucxhttp.DefaultMaxBodyBytes, ucx.DefaultMaxShipmentVehicles))
	}
	format := sheet.FormatOf(name)
	if format == sheet.Auto && bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) && !strings.HasSuffix(strings.ToLower(name), ".jsonl") {
		var in ucx.ShipmentInput
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, usageErr(fmt.Errorf("%s: not a shipment: %v", name, err))
		}
		return &in, nil
	}
	return shipmentFromSheet(name, data, format, head)
}

// shipmentFromSheet builds a shipment from a sheet's rows: each row a
// vehicle, the shipment's fields from head where given, else the rows'
// own (all equal, or a usage error naming the row).
func shipmentFromSheet(name string, data []byte, format sheet.Format, head *ucx.ShipmentInput) (*ucx.ShipmentInput, error) {
	rd, err := sheet.NewReader(bytes.NewReader(data), format)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: %v", name, err))
	}
	defer rd.Close()
	in := *head
	in.Destination = ucx.NormalizeCountry(in.Destination)
	for rd.Next() {
		row := rd.Row()
		for _, p := range row.Problems {
			if p.Field != sheet.ColInspectionReport { // a report's reference is not a yes/no, as in ucx import
				return nil, usageErr(fmt.Errorf("%s row %d, column %s: %s", name, row.N, p.Field, p.Message))
			}
		}
		v, err := row.Application()
		if err != nil {
			return nil, usageErr(fmt.Errorf("%s row %d: %s", name, row.N, ucx.ErrorMessage(err)))
		}
		for _, c := range []struct {
			col       string
			ship, row *string
		}{{"destination", &in.Destination, &v.Destination}, {"buyer", &in.Buyer, &v.Buyer}, {"contract_number", &in.ContractNumber, &v.ContractNumber}} {
			switch {
			case *c.row == "":
			case *c.ship == "":
				*c.ship = *c.row
			case *c.ship != *c.row:
				return nil, usageErr(fmt.Errorf("%s row %d: %s %q differs from the shipment's %q; one shipment has one contract", name, row.N, c.col, *c.row, *c.ship))
			}
			*c.row = ""
		}
		in.Vehicles = append(in.Vehicles, *v)
	}
	if err := rd.Err(); err != nil {
		return nil, usageErr(fmt.Errorf("%s: %v", name, err))
	}
	if len(in.Vehicles) == 0 {
		return nil, usageErr(fmt.Errorf("%s: no vehicle rows", name))
	}
	return &in, nil
}

func newShipmentListCmd(f *clientFlags) *cobra.Command {
	var flt ucx.ShipmentFilter
	var state string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "list shipments, filtered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flt.State = ucx.State(state)
			c, err := f.client()
			if err != nil {
				return err
			}
			list, total, err := c.FindShipments(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, list, total, flt.Offset, flt.Limit,
				[]string{"ID", "STATE", "EXPORTER", "DEST", "CONTRACT", "VEHICLES", "LETTERS", "VER", "APPLIED"},
				func(s *ucx.Shipment) []string {
					return []string{id64(s.ID), string(s.State), id64(s.ExporterID), s.Destination, s.ContractNumber,
						fmt.Sprintf("%d/%d", len(s.Live()), len(s.Vehicles)), strconv.Itoa(len(s.Letters)), strconv.Itoa(s.Version),
						s.ApplicationDate.String()}
				})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&state, "state", "", "overall state (draft, awaiting_confirmation, under_review, licensed, …)")
	fl.StringVar(&flt.Destination, "destination", "", "destination country (ISO 3166-1 alpha-2)")
	fl.StringVarP(&flt.Query, "query", "q", "", "a contract number, buyer, VIN or exporter name")
	fl.Int64Var(&flt.ExporterID, "exporter", 0, "exporter organisation id (authorities)")
	fl.IntVar(&flt.Offset, "offset", 0, "records to skip")
	fl.IntVar(&flt.Limit, "limit", 50, "records to show (at most 500)")
	return cmd
}

func newShipmentShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "show a shipment: each vehicle's state, outcome and letter, and each letter",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, sh, err := fetchShipment(cmd, f, args[0])
			if err != nil {
				return err
			}
			return printShipment(cmd.OutOrStdout(), f, sh)
		},
	}
}

// fetchShipment reads the shipment named by arg.
func fetchShipment(cmd *cobra.Command, f *clientFlags, arg string) (*client.Client, *ucx.Shipment, error) {
	id, err := parseID("the shipment id", arg)
	if err != nil {
		return nil, nil, err
	}
	c, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	sh, err := c.FindShipmentByID(cmd.Context(), nil, id)
	if err != nil {
		return nil, nil, clientErr(err)
	}
	return c, sh, nil
}

func printShipment(w io.Writer, f *clientFlags, sh *ucx.Shipment) error {
	if f.json {
		return printJSON(w, sh)
	}
	if err := fields(w,
		"shipment", id64(sh.ID),
		"state", string(sh.State),
		"version", strconv.Itoa(sh.Version),
		"exporter", id64(sh.ExporterID),
		"destination", sh.Destination,
		"buyer", sh.Buyer,
		"contract", sh.ContractNumber,
		"after-sales", sh.AfterSalesTerms,
		"applied", sh.ApplicationDate.String(),
		"vehicles", fmt.Sprintf("%d live of %d", len(sh.Live()), len(sh.Vehicles)),
		"licence", id64(sh.LicenceID),
	); err != nil {
		return err
	}
	if err := printShipmentVehicles(w, sh); err != nil {
		return err
	}
	if len(sh.Letters) == 0 {
		return nil
	}
	fmt.Fprintln(w, "letters:")
	t := newTable(w, "  LETTER", "MANUFACTURER", "STATE", "VINS", "ANSWERED", "VER")
	for _, l := range sh.Letters {
		t.row("  "+id64(l.ID), id64(l.ManufacturerID), string(l.State), strconv.Itoa(len(l.Requests)), answeredCount(l), strconv.Itoa(l.Version))
	}
	return t.flush()
}

// answeredCount is "answered/total" of a letter's VINs.
func answeredCount(l *ucx.Letter) string {
	n := 0
	for _, r := range l.Requests {
		if r.State != ucx.ConfirmationPending {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(l.Requests))
}

// printShipmentVehicles prints a row per vehicle: its state, the policy's
// outcome, and its letter with the state of its VIN's request there.
func printShipmentVehicles(w io.Writer, sh *ucx.Shipment) error {
	type ref struct {
		letter *ucx.Letter
		req    *ucx.ConfirmationRequest
	}
	byApp := map[int64]ref{}
	for _, l := range sh.Letters {
		for _, r := range l.Requests {
			byApp[r.ApplicationID] = ref{l, r}
		}
	}
	t := newTable(w, "  APP", "VIN", "BRAND", "MODEL", "STATE", "OUTCOME", "LETTER", "LETTER STATE", "VIN ANSWER")
	for _, a := range sh.Vehicles {
		letter, lstate, answer := "", "", ""
		if rf, ok := byApp[a.ID]; ok {
			letter, lstate, answer = id64(rf.letter.ID), string(rf.letter.State), string(rf.req.State)
			if rf.req.RefusalCode != "" {
				answer += " (" + rf.req.RefusalCode + ")"
			}
		}
		t.row("  "+id64(a.ID), a.Vehicle.VIN, a.Vehicle.Brand, a.Vehicle.Model, string(a.State), a.Decision.Outcome.String(), letter, lstate, answer)
	}
	return t.flush()
}

func newShipmentDropCmd(f *clientFlags) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "drop ID VIN",
		Short: "take a vehicle out of a shipment: deleted from a draft, withdrawn once submitted",
		Long: `drop takes the vehicle with VIN out of a shipment: from a draft it is
deleted; once submitted it is withdrawn (its pending letter request
voided), so that the rest can go on without it, as after a manufacturer
refused it (R4). Each change is versioned and in the audit trail.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, sh, err := fetchShipment(cmd, f, args[0])
			if err != nil {
				return err
			}
			vin := strings.ToUpper(strings.TrimSpace(args[1]))
			var app *ucx.Application
			for _, a := range sh.Vehicles {
				if a.Vehicle.VIN == vin && a.State != ucx.StateWithdrawn {
					app = a
				}
			}
			if app == nil {
				return clientErr(ucx.Errorf(ucx.ENOTFOUND, "shipment %d has no vehicle %s to drop", sh.ID, vin))
			}
			if version == 0 {
				version = sh.Version
			}
			sh, err = c.RemoveVehicle(cmd.Context(), nil, sh.ID, version, app.ID)
			if err != nil {
				return clientErr(err)
			}
			return printShipment(cmd.OutOrStdout(), f, sh)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the shipment version you last read (default: the current one)")
	return cmd
}

// newShipmentActionCmd is `ucx shipment submit|withdraw ID`.
func newShipmentActionCmd(f *clientFlags, action, short string) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   action + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, sh, err := fetchShipment(cmd, f, args[0])
			if err != nil {
				return err
			}
			if version == 0 {
				version = sh.Version
			}
			do := c.SubmitShipment
			if action == "withdraw" {
				do = c.WithdrawShipment
			}
			sh, err = do(cmd.Context(), nil, sh.ID, version)
			if err != nil {
				return clientErr(err)
			}
			return printShipment(cmd.OutOrStdout(), f, sh)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version you last read (default: the current one)")
	return cmd
}

func newShipmentIssueCmd(f *clientFlags) *cobra.Command {
	var version int
	var keyFile string
	cmd := &cobra.Command{
		Use:   "issue ID [--key FILE.key]",
		Short: "issue the one licence of a shipment under review (authority)",
		Long: `issue issues one export licence for the shipment's live vehicles (R4): its
schedule lists every vehicle (R5) and it cites every letter it relies on
(R3). The platform checks the letters, the certificate values, the count
within the limit, the evidence and the authority's jurisdiction (R14).

With --key, the licence is sealed on this machine with the private key ucx
keygen made; without it the platform seals with the custodial key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sealer, err := loadSealer(keyFile)
			if err != nil {
				return err
			}
			c, sh, err := fetchShipment(cmd, f, args[0])
			if err != nil {
				return err
			}
			if version == 0 {
				version = sh.Version
			}
			env, sd, err := sealer.sealFetched(cmd.Context(), c, func() ([]byte, error) {
				return c.ShipmentLicenceToSeal(cmd.Context(), nil, sh.ID)
			})
			if err != nil {
				return err
			}
			lic, err := c.IssueShipmentLicenceSealed(cmd.Context(), nil, sh.ID, version, env)
			if err != nil {
				return clientErr(err)
			}
			return printSealed(cmd, f, struct {
				*ucx.Licence
				*sealed
			}{lic, sd}, sd, func() error { return printLicence(cmd.OutOrStdout(), f, lic) })
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the shipment version you reviewed (default: the current one)")
	cmd.Flags().StringVar(&keyFile, "key", "", "seal here with this private key file from ucx keygen (default: the custodial key)")
	return cmd
}

func newShipmentRefuseCmd(f *clientFlags) *cobra.Command {
	return newRefuseCmd(f, refuseSpec{
		use: "refuse ID --code CODE --text TEXT", short: "refuse the licence for every live vehicle of a shipment (authority)",
		long: "refuse refuses a shipment's licence.", idName: "the shipment id",
		versionHelp: "the shipment version you reviewed (default: the current one)",
		do: func(cmd *cobra.Command, c *client.Client, id int64, given int, code, text string) error {
			version := given
			if version == 0 {
				sh, err := c.FindShipmentByID(cmd.Context(), nil, id)
				if err != nil {
					return clientErr(err)
				}
				version = sh.Version
			}
			sh, err := c.RefuseShipmentLicence(cmd.Context(), nil, id, version, code, text)
			if err != nil {
				return clientErr(err)
			}
			return printShipment(cmd.OutOrStdout(), f, sh)
		},
	})
}

// newLetterCmd is `ucx letter`: a manufacturer's letters, one per
// shipment naming all of its VINs there (R3, R4).
func newLetterCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "letter",
		Short: "list, show and answer letters: one per manufacturer and shipment (R4)",
		Long: `letter works with confirmation letters: each asks one manufacturer for the
After-Sales Service Confirmation of all its VINs in one shipment (R3, R4).
The manufacturer answers every VIN: approve with outlets in the
destination, or refuse with a reason code.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}
	var flt ucx.LetterFilter
	var state string
	list := &cobra.Command{
		Use:   "list",
		Short: "list letters (a manufacturer's inbox)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flt.State = ucx.LetterState(state)
			c, err := f.client()
			if err != nil {
				return err
			}
			list, total, err := c.FindLetters(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, list, total, flt.Offset, flt.Limit,
				[]string{"ID", "STATE", "SHIPMENT", "EXPORTER", "MANUFACTURER", "DEST", "VINS", "ANSWERED", "VER", "REQUESTED"},
				func(l *ucx.Letter) []string {
					at := l.RequestedAt
					return []string{id64(l.ID), string(l.State), id64(l.ShipmentID), id64(l.ExporterID), id64(l.ManufacturerID), l.Destination,
						strconv.Itoa(len(l.Requests)), answeredCount(l), strconv.Itoa(l.Version), timeStr(&at)}
				})
		},
	}
	fl := list.Flags()
	fl.StringVar(&state, "state", "", "pending, partial, answered or void")
	fl.Int64Var(&flt.ShipmentID, "shipment", 0, "the shipment's id")
	fl.IntVar(&flt.Offset, "offset", 0, "records to skip")
	fl.IntVar(&flt.Limit, "limit", 50, "records to show (at most 500)")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "show a letter, a row per VIN",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, l, err := fetchLetter(cmd, f, args[0])
			if err != nil {
				return err
			}
			return printLetter(cmd.OutOrStdout(), f, l)
		},
	}
	cmd.AddCommand(list, show, newLetterAnswerCmd(f))
	return cmd
}

func fetchLetter(cmd *cobra.Command, f *clientFlags, arg string) (*client.Client, *ucx.Letter, error) {
	id, err := parseID("the letter id", arg)
	if err != nil {
		return nil, nil, err
	}
	c, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	l, err := c.FindLetterByID(cmd.Context(), nil, id)
	if err != nil {
		return nil, nil, clientErr(err)
	}
	return c, l, nil
}

func printLetter(w io.Writer, f *clientFlags, l *ucx.Letter) error {
	if f.json {
		return printJSON(w, l)
	}
	at := l.RequestedAt
	if err := fields(w,
		"letter", id64(l.ID),
		"state", string(l.State),
		"version", strconv.Itoa(l.Version),
		"shipment", id64(l.ShipmentID),
		"exporter", id64(l.ExporterID),
		"manufacturer", id64(l.ManufacturerID),
		"destination", l.Destination,
		"requested", timeStr(&at),
		"answered", timeStr(l.AnsweredAt),
		"sealed", strings.Join(l.DocumentDigests, ", "),
	); err != nil {
		return err
	}
	t := newTable(w, "  REQUEST", "VIN", "BRAND", "MODEL", "REGISTERED", "STATE", "OUTLETS", "REFUSAL")
	for _, r := range l.Requests {
		outlets := make([]string, len(r.OutletIDs))
		for i, o := range r.OutletIDs {
			outlets[i] = id64(o)
		}
		t.row("  "+id64(r.ID), r.VIN, r.Brand, r.Model, r.RegistrationDate.String(), string(r.State), strings.Join(outlets, ","),
			strings.TrimSpace(r.RefusalCode+" "+r.RefusalText))
	}
	return t.flush()
}

func newLetterAnswerCmd(f *clientFlags) *cobra.Command {
	var approve, refuse []string
	var outlets []int64
	var version int
	var keyFile string
	cmd := &cobra.Command{
		Use:   "answer ID [--approve VIN[,VIN]|all --outlets ID[,ID]] [--refuse VIN:code[:text] …] [--key FILE.key]",
		Short: "answer VINs of a letter at once: approve with outlets, refuse with a code (R3)",
		Long: `answer answers VINs of a letter in one step (R3): --approve names the VINs
to approve (all: every pending VIN not refused here) with the outlets
that will serve them in the destination (--outlets); --refuse VIN:code or
VIN:code:text refuses one VIN with a reason code, repeatable. The
approvals are sealed together into one confirmation naming every VIN
approved with its outlets, the destination and your legal name.

With --key the confirmation is sealed on this machine; without it the
platform seals with the custodial key. Codes: ` + refusalCodes() + ".",
		Example: "  ucx letter answer 7 --approve all --outlets 3 --refuse LM1ABCDE0S1000017:no_service_network",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(approve) == 0 && len(refuse) == 0 {
				return usageErr(errors.New("answer at least one VIN with --approve or --refuse"))
			}
			if len(approve) > 0 && len(outlets) == 0 {
				return usageErr(errors.New("--approve needs --outlets: the outlets that will serve the vehicles in the destination (R3)"))
			}
			sealer, err := loadSealer(keyFile)
			if err != nil {
				return err
			}
			c, l, err := fetchLetter(cmd, f, args[0])
			if err != nil {
				return err
			}
			answers, err := letterAnswers(l, approve, outlets, refuse)
			if err != nil {
				return err
			}
			if version == 0 {
				version = l.Version
			}
			env, sd, err := sealer.sealFetched(cmd.Context(), c, func() ([]byte, error) {
				return c.LetterToSeal(cmd.Context(), nil, l.ID, answers)
			})
			if err != nil {
				return err
			}
			l, err = c.AnswerLetterSealed(cmd.Context(), nil, l.ID, version, answers, env)
			if err != nil {
				return clientErr(err)
			}
			return printSealed(cmd, f, struct {
				*ucx.Letter
				*sealed
			}{l, sd}, sd, func() error { return printLetter(cmd.OutOrStdout(), f, l) })
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&approve, "approve", nil, "VINs to approve (comma-separated, repeatable), or all")
	fl.Int64SliceVar(&outlets, "outlets", nil, "the outlet ids named for every approved VIN")
	fl.StringArrayVar(&refuse, "refuse", nil, "VIN:code[:text], repeatable")
	fl.IntVar(&version, "version", 0, "the letter version you last read (default: the current one)")
	fl.StringVar(&keyFile, "key", "", "seal here with this private key file from ucx keygen (default: the custodial key)")
	return cmd
}

// letterAnswers turns the flags into the answers, by the letter's VINs: a
// VIN not in the letter, answered twice or with an unknown code is a
// usage error here, before anything is sent.
func letterAnswers(l *ucx.Letter, approve []string, outlets []int64, refuse []string) ([]ucx.LetterAnswer, error) {
	byVIN := map[string]*ucx.ConfirmationRequest{}
	for _, r := range l.Requests {
		byVIN[r.VIN] = r
	}
	seen := map[string]bool{}
	var out []ucx.LetterAnswer
	req := func(vin string) (*ucx.ConfirmationRequest, error) {
		vin = strings.ToUpper(strings.TrimSpace(vin))
		r, ok := byVIN[vin]
		if !ok {
			return nil, usageErr(fmt.Errorf("%s is not a VIN of letter %d", vin, l.ID))
		}
		if seen[vin] {
			return nil, usageErr(fmt.Errorf("%s is answered twice", vin))
		}
		seen[vin] = true
		return r, nil
	}
	for _, spec := range refuse {
		parts := strings.SplitN(spec, ":", 3)
		if len(parts) < 2 || parts[1] == "" {
			return nil, usageErr(fmt.Errorf("--refuse %q: write VIN:code or VIN:code:text", spec))
		}
		if _, ok := ucx.RefusalCodes[parts[1]]; !ok {
			return nil, usageErr(fmt.Errorf("--refuse %q: code %q is not one of %s", spec, parts[1], refusalCodes()))
		}
		r, err := req(parts[0])
		if err != nil {
			return nil, err
		}
		a := ucx.LetterAnswer{RequestID: r.ID, RefusalCode: parts[1]}
		if len(parts) == 3 {
			a.RefusalText = parts[2]
		}
		out = append(out, a)
	}
	if len(approve) == 1 && strings.EqualFold(approve[0], "all") {
		approve = approve[:0]
		for _, r := range l.Requests {
			if r.State == ucx.ConfirmationPending && !seen[r.VIN] {
				approve = append(approve, r.VIN)
			}
		}
	}
	for _, vin := range approve {
		r, err := req(vin)
		if err != nil {
			return nil, err
		}
		out = append(out, ucx.LetterAnswer{RequestID: r.ID, Approve: true, OutletIDs: outlets})
	}
	if len(out) == 0 {
		return nil, usageErr(fmt.Errorf("letter %d has no pending VIN left to answer", l.ID))
	}
	return out, nil
}
