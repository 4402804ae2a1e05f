package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
)

// statsFlags are the period both `ucx stats` and `ucx stats what-if` read.
type statsFlags struct {
	from, to string
}

// period parses --from and --to; an empty one is the zero Date, which the
// server reads as its default (the twelve months to today). A bad date is
// a usage error (exit 2), found before any request.
func (s *statsFlags) period() (from, to ucx.Date, err error) {
	for _, d := range []struct {
		flag, v string
		dst     *ucx.Date
	}{{"--from", s.from, &from}, {"--to", s.to, &to}} {
		if d.v == "" {
			continue
		}
		if *d.dst, err = ucx.ParseDate(d.v); err != nil {
			return from, to, usageErr(fmt.Errorf("%s must be a date, YYYY-MM-DD, not %q", d.flag, d.v))
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, usageErr(fmt.Errorf("--from (%s) is after --to (%s)", from, to))
	}
	return from, to, nil
}

// newStatsClientCmd is `ucx stats` with the client flags every client
// command shares (--server, --token, --json).
func newStatsClientCmd() *cobra.Command {
	f := &clientFlags{}
	cmd := newStatsCmd(f)
	f.register(cmd)
	return cmd
}

// newStatsCmd is `ucx stats`: the market figures of the oversight
// dashboard in the terminal, the same numbers the web page and
// its CSV downloads show, because they come from the same API.
func newStatsCmd(f *clientFlags) *cobra.Command {
	sf := &statsFlags{}
	var public bool
	var tableName string
	cmd := &cobra.Command{
		Use:   "stats [--from DATE] [--to DATE] [--public] [--table NAME]",
		Short: "print the market figures for a period",
		Long: `stats prints the market figures for a period: applications and licences by
month, destination, brand and manufacturer, the share that needed a letter
and the share with (near-)zero mileage, days from registration to
application, letters by manufacturer and by exporter size.

The full figures are for licensing authorities. --public prints the public
figures (small cells suppressed, shown as "-"), with no token needed.
--table prints one figure: ` + strings.Join(ucx.FigureNames, ", ") + `.
Without --from and --to the period is the twelve months to today.

Exit status: 0 printed, 1 refused by the server, 2 usage, 3 the server
failed or could not be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			from, to, err := sf.period()
			if err != nil {
				return err
			}
			if tableName != "" && !slices.Contains(ucx.FigureNames, tableName) {
				return usageErr(fmt.Errorf("--table must be one of %s, not %q", strings.Join(ucx.FigureNames, ", "), tableName))
			}
			var c *client.Client
			if public {
				// The public figures need no credentials; none are sent.
				c = client.New(f.serverURL(), "")
				c.UserAgent = "ucx-cli"
			} else if c, err = f.client(); err != nil {
				return err
			}
			figs, err := c.Figures(cmd.Context(), nil, ucx.FigureFilter{From: from, To: to, Public: public})
			if err != nil {
				return clientErr(err)
			}
			if tableName != "" {
				figs.Tables = []*ucx.FigureTable{figs.Table(tableName)}
				if figs.Tables[0] == nil {
					return clientErr(ucx.Errorf(ucx.EINTERNAL, "the server sent no figure %q", tableName))
				}
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), figs)
			}
			return printFigures(cmd.OutOrStdout(), figs)
		},
	}
	cmd.PersistentFlags().StringVar(&sf.from, "from", "", "first day of the period, YYYY-MM-DD (default: a year before --to, plus a day)")
	cmd.PersistentFlags().StringVar(&sf.to, "to", "", "last day of the period, YYYY-MM-DD (default: today, China time)")
	cmd.Flags().BoolVar(&public, "public", false, "the public figures, with small cells suppressed (no token needed)")
	cmd.Flags().StringVar(&tableName, "table", "", "print only this figure")
	cmd.AddCommand(newStatsWhatIfCmd(f, sf))
	return cmd
}

// printFigures prints each figure as a titled, aligned table. A column
// whose name says it is a share or a rate is printed as a percentage; a
// null value (suppressed, or a rate of nothing) as "-".
func printFigures(w io.Writer, figs *ucx.Figures) error {
	kind := "figures"
	if figs.Public {
		kind = "public figures"
	}
	fmt.Fprintf(w, "ucx %s, %s to %s\n", kind, figs.From, figs.To)
	for _, t := range figs.Tables {
		fmt.Fprintf(w, "\n%s (%s)\n", t.Title, t.Name)
		labelled := false
		for _, r := range t.Rows {
			labelled = labelled || r.Label != ""
		}
		header := []string{"KEY"}
		if labelled {
			header = append(header, "NAME")
		}
		for _, c := range t.Columns {
			header = append(header, strings.ToUpper(c))
		}
		tb := newTable(w, header...)
		for _, r := range t.Rows {
			cells := []string{r.Key}
			if labelled {
				cells = append(cells, r.Label)
			}
			for i, v := range r.Values {
				col := ""
				if i < len(t.Columns) {
					col = t.Columns[i]
				}
				cells = append(cells, figureCell(col, v))
			}
			tb.row(cells...)
		}
		if err := tb.flush(); err != nil {
			return err
		}
		if len(t.Rows) == 0 {
			fmt.Fprintln(w, "none")
		}
	}
	return nil
}

// figureCell formats one value for people.
func figureCell(column string, v *float64) string {
	switch {
	case v == nil:
		return "-"
	case strings.HasSuffix(column, "_share") || strings.HasSuffix(column, "_rate"):
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case *v == float64(int64(*v)):
		return strconv.FormatInt(int64(*v), 10)
	default:
		return strconv.FormatFloat(*v, 'f', 2, 64)
	}
}

// newStatsWhatIfCmd is `ucx stats what-if POLICY.json`: how the stored
// applications of the period would have been decided under another policy
// document, counted and listed, with nothing stored changed.
func newStatsWhatIfCmd(f *clientFlags, sf *statsFlags) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "what-if POLICY.json [--from DATE] [--to DATE] [--limit N]",
		Short: "show how another policy would have decided a period's applications",
		Long: `what-if sends a policy document (docs/policy.md; start from the one in
force, say with "letter_threshold_days": 365 or another transition
deadline) and prints how the stored applications filed in the period would
have been decided under it: counts by outcome now and under the document,
and the applications whose outcome changes, with the document's reasons.
Nothing stored changes. For licensing authorities.

Exit status: 0 printed, 1 refused by the server (a document that does not
load is refused naming the field or rule), 2 usage or an unreadable file,
3 the server failed or could not be reached.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, to, err := sf.period()
			if err != nil {
				return err
			}
			if limit < 0 || limit > ucx.PolicyWhatIfLimit {
				return usageErr(fmt.Errorf("--limit must be from 1 to %d (0 for the server's cap)", ucx.PolicyWhatIfLimit))
			}
			doc, err := os.ReadFile(args[0])
			if err != nil {
				return usageErr(fmt.Errorf("reading the policy document: %w", err))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			res, err := c.PolicyWhatIf(cmd.Context(), doc, from, to, limit)
			if err != nil {
				err = clientErr(err)
				var ee *exitError
				if errors.As(err, &ee) && ee.code == exitFound {
					ee.err = fmt.Errorf("%s: %w", args[0], ee.err)
				}
				return err
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), res)
			}
			return printPolicyWhatIf(cmd.OutOrStdout(), res)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "list at most this many changed applications (default: the server's cap, 1000)")
	return cmd
}

// printPolicyWhatIf prints the counts side by side and the changed cases
// with the reasons that make the difference: those of the other policy
// that require, block or reject (its notes change no outcome).
func printPolicyWhatIf(w io.Writer, res *ucx.PolicyWhatIf) error {
	sha := res.Policy.SHA256
	if len(sha) > 12 {
		sha = sha[:12]
	}
	if err := fields(w,
		"policy", strings.TrimSpace(res.Policy.ID+" "+res.Policy.Version)+" (sha256 "+sha+"…)",
		"period", res.From.String()+" to "+res.To.String(),
		"applications", strconv.Itoa(res.Applications),
		"changed", strconv.Itoa(res.Changed),
	); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tb := newTable(w, "OUTCOME", "NOW", "UNDER POLICY", "DIFFERENCE")
	for _, o := range []ucx.Outcome{ucx.Clear, ucx.LetterRequired, ucx.Blocked, ucx.Invalid} {
		now, then := res.Now.Get(o), res.Then.Get(o)
		diff := "0"
		if then != now {
			diff = fmt.Sprintf("%+d", then-now)
		}
		tb.row(o.String(), strconv.Itoa(now), strconv.Itoa(then), diff)
	}
	if err := tb.flush(); err != nil {
		return err
	}
	if res.Unreadable > 0 {
		fmt.Fprintf(w, "\n%d stored applications could not be read and are left out (ids %v); an operator should check them\n", res.Unreadable, res.UnreadableIDs)
	}
	if res.Changed == 0 {
		fmt.Fprintln(w, "\nno application's outcome changes")
		return nil
	}
	fmt.Fprintln(w)
	tb = newTable(w, "ID", "VIN", "EXPORTER", "DATE", "NOW", "UNDER POLICY", "REASONS")
	for _, c := range res.Cases {
		var rs []string
		for _, r := range c.Reasons {
			if r.Severity > ucx.Note {
				rs = append(rs, r.Rule+" "+r.Code)
			}
		}
		tb.row(id64(c.ApplicationID), c.VIN, id64(c.ExporterID), c.ApplicationDate.String(), c.Now.String(), c.Then.String(), strings.Join(rs, ", "))
	}
	if err := tb.flush(); err != nil {
		return err
	}
	if res.Truncated() {
		fmt.Fprintf(w, "the first %d of %d changed applications (use --json for scripts, --limit to change the cap)\n", len(res.Cases), res.Changed)
	} else {
		fmt.Fprintf(w, "%d changed in all\n", res.Changed)
	}
	return nil
}
