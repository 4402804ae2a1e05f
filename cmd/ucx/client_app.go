package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
)

// newAppCmd is `ucx app`: an exporter's applications.
func newAppCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "file, list, show, submit and withdraw export-licence applications",
		Long: `app works with export-licence applications on a ucx server.

Exit status: 0 done, 1 the server refused (invalid data, not allowed,
not found, a conflict, a rule), 2 usage, 3 the server failed or could not
be reached.`,
	}
	cmd.AddCommand(newAppFileCmd(f), newAppListCmd(f), newAppShowCmd(f),
		newAppSubmitCmd(f),
		newAppActionCmd(f, "withdraw", "withdraw an application before it is licensed"))
	return cmd
}

func newAppFileCmd(f *clientFlags) *cobra.Command {
	var submit bool
	var key string
	cmd := &cobra.Command{
		Use:   "file FILE.json | -",
		Short: "file an application from a JSON file (- reads standard input)",
		Long: `file sends one application, a JSON object as POST /api/v1/applications
takes it (see /api/v1/openapi.json, schema ApplicationInput), and prints the
policy's decision: whether a manufacturer letter is needed (R1), and why.

With --idempotency-key the command is safe to repeat: the server returns
the first filing instead of filing twice.`,
		Example: "  ucx app file car.json --submit --idempotency-key car-42",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := readApplication(cmd, args[0])
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
			app, created, err := c.CreateApplication(cmd.Context(), nil, in, ucx.CreateOptions{IdempotencyKey: key})
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), app)
			}
			w := cmd.OutOrStdout()
			if created {
				fmt.Fprintf(w, "filed application %d: %s\n", app.ID, app.State)
			} else {
				fmt.Fprintf(w, "application %d was filed before with this idempotency key: %s\n", app.ID, app.State)
			}
			return printDecision(w, &app.Decision, f.lang)
		},
	}
	cmd.Flags().BoolVar(&submit, "submit", false, "submit at once instead of keeping a draft")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "a key that makes a repeated command file only once")
	return cmd
}

// readApplication reads an application from a file or standard input,
// strictly: a misspelt field is a usage error here, before anything is
// sent.
func readApplication(cmd *cobra.Command, name string) (*ucx.ApplicationInput, error) {
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
		return nil, usageErr(fmt.Errorf("%s: larger than %d bytes; one application is much smaller", name, ucxhttp.DefaultMaxBodyBytes))
	}
	var in ucx.ApplicationInput
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, usageErr(fmt.Errorf("%s: not an application: %v", name, err))
	}
	return &in, nil
}

// printDecision prints the policy's outcome and reasons, each reason in
// lang (--lang) where the policy words it so.
func printDecision(w io.Writer, d *ucx.Decision, lang string) error {
	fmt.Fprintf(w, "outcome: %s", d.Outcome)
	if d.LetterRequired {
		fmt.Fprintf(w, " (manufacturer letter required; not needed from %s)", d.LetterFreeFrom)
	}
	fmt.Fprintln(w)
	for _, r := range d.Reasons {
		field := ""
		if r.Field != "" {
			field = " [" + r.Field + "]"
		}
		fmt.Fprintf(w, "  %-7s %s %s%s: %s\n", r.Severity, r.Rule, r.Code, field, r.Text(lang))
	}
	return nil
}

func newAppListCmd(f *clientFlags) *cobra.Command {
	var flt ucx.ApplicationFilter
	var state string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "list applications, filtered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flt.State = ucx.State(state)
			c, err := f.client()
			if err != nil {
				return err
			}
			apps, total, err := c.FindApplications(cmd.Context(), nil, flt)
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, apps, total, flt.Offset, flt.Limit,
				[]string{"ID", "STATE", "OUTCOME", "VIN", "BRAND", "MODEL", "DEST", "VER", "APPLIED"},
				func(a *ucx.Application) []string {
					return []string{id64(a.ID), string(a.State), a.Decision.Outcome.String(), a.Vehicle.VIN, a.Vehicle.Brand, a.Vehicle.Model,
						a.Destination, strconv.Itoa(a.Version), a.ApplicationDate.String()}
				})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&state, "state", "", "workflow state (draft, submitted, awaiting_confirmation, under_review, licensed, …)")
	fl.StringVar(&flt.VIN, "vin", "", "exact VIN")
	fl.StringVar(&flt.Destination, "destination", "", "destination country (ISO 3166-1 alpha-2)")
	fl.StringVar(&flt.Outcome, "outcome", "", "policy outcome (clear, letter-required, blocked, invalid)")
	fl.StringVarP(&flt.Query, "query", "q", "", "text in the VIN, brand, model, buyer or contract number")
	fl.Int64Var(&flt.ExporterID, "exporter", 0, "exporter organisation id (authorities and customs)")
	fl.IntVar(&flt.Offset, "offset", 0, "records to skip")
	fl.IntVar(&flt.Limit, "limit", 50, "records to show (at most 500)")
	return cmd
}

func newAppShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "show an application, its decision and its timeline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("the application id", args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			app, err := c.FindApplicationByID(cmd.Context(), nil, id)
			if err != nil {
				return clientErr(err)
			}
			events, err := c.Timeline(cmd.Context(), nil, id)
			if err != nil {
				return clientErr(err)
			}
			w := cmd.OutOrStdout()
			if f.json {
				return printJSON(w, struct {
					Application *ucx.Application `json:"application"`
					Timeline    []*ucx.Event     `json:"timeline"`
				}{app, events})
			}
			v := &app.Vehicle
			fields(w,
				"application", id64(app.ID),
				"state", string(app.State),
				"version", strconv.Itoa(app.Version),
				"exporter", id64(app.ExporterID),
				"manufacturer", id64(app.ManufacturerID),
				"vin", v.VIN,
				"vehicle", v.Brand+" "+v.Model,
				"registered", v.RegistrationDate.String(),
				"transferred", v.TransferDate.String(),
				"destination", app.Destination,
				"buyer", app.Buyer,
				"contract", app.ContractNumber,
				"applied", app.ApplicationDate.String(),
			)
			printDecision(w, &app.Decision, f.lang)
			fmt.Fprintln(w, "timeline:")
			t := newTable(w, "  AT", "ACTION", "BEFORE", "AFTER", "NOTE")
			for _, e := range events {
				at := e.At
				t.row("  "+timeStr(&at), e.Action, e.Before, e.After, e.Note)
			}
			return t.flush()
		},
	}
}

// newAppActionCmd is `ucx app submit|withdraw ID`. The version the change
// is made against is fetched first unless --version names it, so a script
// that read the application earlier can insist on what it read.
func newAppActionCmd(f *clientFlags, action, short string) *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   action + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("the application id", args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			version, err := appVersion(cmd, c, id, version)
			if err != nil {
				return err
			}
			var app *ucx.Application
			switch action {
			case "submit":
				app, err = c.SubmitApplication(ctx, nil, id, version)
			case "withdraw":
				app, err = c.WithdrawApplication(ctx, nil, id, version)
			default:
				err = errors.New("unknown action " + action)
			}
			if err != nil {
				return clientErr(err)
			}
			return printAppState(cmd, f, app)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version you last read (default: the current one)")
	return cmd
}

// printAppState prints an application after a change: the record for
// scripts, its state and new version for people.
func printAppState(cmd *cobra.Command, f *clientFlags, app *ucx.Application) error {
	if f.json {
		return printJSON(cmd.OutOrStdout(), app)
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), "application %d: %s (version %d)\n", app.ID, app.State, app.Version)
	return err
}
