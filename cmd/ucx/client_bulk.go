package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/ucxdev/ucx"
)

// newAppSubmitCmd submits one draft (at the version read, as before), or
// several, or an import's drafts, each in its own transaction with a line
// per application (POST /api/v1/bulk/submit).
func newAppSubmitCmd(f *clientFlags) *cobra.Command {
	single := newAppActionCmd(f, "submit", "")
	var importID int64
	cmd := &cobra.Command{
		Use:   "submit ID… | --import N",
		Short: "submit drafts: to the manufacturer for a letter (R1) or to review; several ids or an import's drafts at once",
		Long: `submit moves drafts on. One ID is submitted at the version you last read
(--version, default the current one). Several IDs, or --import N (every
draft that import filed), are submitted each in its own transaction: a line
per application says submitted, refused (with the code and the reason) or
not_found. At most 1000 ids at once; --import repeats until no draft is left.
Exits 1 when any application was refused or not found.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if importID == 0 && len(args) == 1 {
				single.SetContext(cmd.Context())
				single.SetOut(cmd.OutOrStdout())
				if v := cmd.Flags().Lookup("version"); v.Changed {
					if err := single.Flags().Set("version", v.Value.String()); err != nil {
						return usageErr(err)
					}
				}
				return single.RunE(single, args)
			}
			if importID != 0 && len(args) > 0 {
				return usageErr(fmt.Errorf("give either application ids or --import, not both"))
			}
			if importID == 0 && len(args) == 0 {
				return usageErr(fmt.Errorf("name the application ids to submit, or --import N"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			total := &ucx.BulkReport{Results: []ucx.BulkResult{}}
			if importID != 0 {
				for {
					rep, err := c.SubmitImportDrafts(cmd.Context(), importID)
					if err != nil {
						return clientErr(err)
					}
					merge(total, rep)
					if !rep.More || rep.Submitted == 0 {
						break
					}
				}
			} else {
				ids := make([]int64, len(args))
				for i, a := range args {
					if ids[i], err = parseID("the application id", a); err != nil {
						return err
					}
				}
				rep, err := c.SubmitApplications(cmd.Context(), ids)
				if err != nil {
					return clientErr(err)
				}
				merge(total, rep)
			}
			return printBulk(cmd, f, total, "application")
		},
	}
	cmd.Flags().Int64Var(&importID, "import", 0, "submit every draft this import filed")
	cmd.Flags().Int("version", 0, "with one ID: the version you last read (default: the current one)")
	return cmd
}

func merge(into, rep *ucx.BulkReport) {
	into.Results = append(into.Results, rep.Results...)
	into.Submitted += rep.Submitted
	into.Answered += rep.Answered
	into.Refused += rep.Refused
	into.NotFound += rep.NotFound
}

// printBulk prints a bulk report: the report for scripts (--json), a line
// per record and the counts for people. Any refused or missing record
// makes the exit status 1.
func printBulk(cmd *cobra.Command, f *clientFlags, rep *ucx.BulkReport, what string) error {
	if f.json {
		if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		t := newTable(cmd.OutOrStdout(), what, "result", "state", "reason")
		for _, r := range rep.Results {
			reason := r.Message
			if r.Code != "" {
				reason = r.Code + ": " + r.Message
			}
			t.row(strconv.FormatInt(r.ID, 10), r.Status, r.State, reason)
		}
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d submitted, %d answered, %d refused, %d not found\n", rep.Submitted, rep.Answered, rep.Refused, rep.NotFound)
	}
	if n := rep.Refused + rep.NotFound; n > 0 {
		return &exitError{code: exitFound, err: fmt.Errorf("%d of %d %ss were refused or not found", n, len(rep.Results), what)}
	}
	return nil
}

// newRequestAnswerCmd answers several pending requests at once (POST
// /api/v1/bulk/answer): approve with outlets by destination (R3), or
// refuse with a code and a text.
func newRequestAnswerCmd(f *clientFlags) *cobra.Command {
	var approve bool
	var outlets []string
	var code, text string
	cmd := &cobra.Command{
		Use:   "answer ID… (--approve --outlet RU=3[,4] … | --refuse CODE --text TEXT)",
		Short: "approve or refuse several pending requests at once, a line per request",
		Long: `answer gives one answer to each request named, each in its own transaction.
--approve needs an outlet for each destination: --outlet RU=3 --outlet KZ=5
(ucx request show lists a request's destination, ucx org show your outlets);
each request gets the outlets of its destination. --refuse CODE with --text
refuses them all. At most 1000 ids. Exits 1 when any request was refused or
not found.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := make([]int64, len(args))
			var err error
			for i, a := range args {
				if ids[i], err = parseID("the request id", a); err != nil {
					return err
				}
			}
			if approve == (code != "") {
				return usageErr(fmt.Errorf("give either --approve with --outlet, or --refuse CODE"))
			}
			a := ucx.BulkAnswer{Approve: approve, Code: code, Text: text, Outlets: map[string][]int64{}}
			for _, o := range outlets {
				country, list, ok := strings.Cut(o, "=")
				if !ok {
					return usageErr(fmt.Errorf("--outlet takes COUNTRY=ID[,ID…], such as RU=3, not %q", o))
				}
				for _, s := range strings.Split(list, ",") {
					id, err := parseID("the outlet id", strings.TrimSpace(s))
					if err != nil {
						return err
					}
					a.Outlets[strings.ToUpper(country)] = append(a.Outlets[strings.ToUpper(country)], id)
				}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			rep, err := c.AnswerRequests(cmd.Context(), ids, a)
			if err != nil {
				return clientErr(err)
			}
			return printBulk(cmd, f, rep, "request")
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the requests")
	cmd.Flags().StringArrayVar(&outlets, "outlet", nil, "with --approve: COUNTRY=ID[,ID…], the outlets serving that destination (R3)")
	cmd.Flags().StringVar(&code, "refuse", "", "refuse the requests with this code")
	cmd.Flags().StringVar(&text, "text", "", "with --refuse: the explanation")
	return cmd
}
