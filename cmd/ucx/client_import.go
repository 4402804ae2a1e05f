package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ucxdev/ucx"
	ucxhttp "github.com/ucxdev/ucx/http"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/sheet"
)

// newImportCmd is `ucx import`: upload a month of an exporter's cars as
// one CSV or XLSX file, follow the server's progress, and keep the per-row
// results to fix the rejected rows.
func newImportCmd(f *clientFlags) *cobra.Command {
	var results, template string
	var wait bool
	var poll time.Duration
	cmd := &cobra.Command{
		Use:   "import FILE.csv|FILE.xlsx | import --template FILE.xlsx",
		Short: "file applications in bulk from a CSV or XLSX file",
		Long: `import uploads a file of applications (one row a car; the columns are
those of POST /api/v1/applications, found by header name), follows the
server's progress (a progress bar on a terminal), prints the summary, and
with --results saves every row's result as CSV: filed with its application
id, or rejected with the reasons, row by row.

--template FILE.xlsx writes the import template instead, with no server:
every column with its Chinese and English heading, data validation and an
example row (docs/check.md).

Exit status: 0 every row filed, 1 some rows rejected, the import failed or
the server refused the file, 2 usage, 3 server failure.`,
		Example: "  ucx import november.xlsx --results november-results.csv\n  ucx import --template 导入模板.xlsx",
		Args: func(cmd *cobra.Command, args []string) error {
			if template != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if template != "" {
				return writeTemplate(cmd, template)
			}
			name := args[0]
			if st, err := os.Stat(name); err != nil {
				return usageErr(err)
			} else if st.Size() > ucxhttp.DefaultMaxUploadBytes {
				return usageErr(fmt.Errorf("%s has %d bytes, over the %d MiB upload limit: split it", name, st.Size(), ucxhttp.DefaultMaxUploadBytes>>20))
			}
			data, err := os.ReadFile(name)
			if err != nil {
				return usageErr(err)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			imp, err := c.StartImport(ctx, nil, name, data)
			if err != nil {
				return clientErr(err)
			}
			stderr := cmd.ErrOrStderr()
			if wait {
				bar := newProgressBar(stderr)
				for imp.State == ucx.ImportQueued || imp.State == ucx.ImportRunning {
					bar.show(imp)
					select {
					case <-ctx.Done():
						return clientErr(&ucx.Error{Code: ucx.EUNAVAILABLE, Message: "interrupted; the import goes on: ucx import is not needed again", Err: ctx.Err()})
					case <-time.After(poll):
					}
					if imp, err = c.FindImportByID(ctx, nil, imp.ID); err != nil {
						return clientErr(err)
					}
				}
				bar.done()
			}
			if results != "" && imp.State == ucx.ImportDone {
				if err := saveResults(cmd, c, imp.ID, results); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if f.json {
				if err := printJSON(w, imp); err != nil {
					return err
				}
			} else {
				printImport(w, imp)
			}
			switch {
			case imp.State == ucx.ImportFailed:
				return &exitError{code: exitFound, err: fmt.Errorf("import %d failed: %s", imp.ID, imp.Error)}
			case imp.Rejected > 0:
				return &exitError{code: exitFound}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&results, "results", "", "save every row's result to this CSV file")
	cmd.Flags().StringVar(&template, "template", "", "write the import template (XLSX) to this file and exit")
	cmd.Flags().BoolVar(&wait, "wait", true, "follow the import until it is done (--wait=false returns at once)")
	cmd.Flags().DurationVar(&poll, "poll", 500*time.Millisecond, "how often to ask for progress")
	cmd.Flags().MarkHidden("poll")
	return cmd
}

// saveResults downloads the per-row results to a file, writing a temporary
// file first so that a cut download never leaves half a file under the
// name asked for.
func saveResults(cmd *cobra.Command, c *client.Client, id int64, path string) error {
	tmp, err := os.CreateTemp(dirOf(path), ".ucx-results-*")
	if err != nil {
		return usageErr(err)
	}
	defer os.Remove(tmp.Name())
	if err := c.DownloadImportRows(cmd.Context(), id, tmp); err != nil {
		tmp.Close()
		return clientErr(err)
	}
	if err := tmp.Close(); err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return usageErr(err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "results saved to %s\n", path)
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func printImport(w io.Writer, imp *ucx.Import) {
	fmt.Fprintf(w, "import %d (%s): %s", imp.ID, imp.Filename, imp.State)
	if imp.Total > 0 || imp.State == ucx.ImportDone {
		fmt.Fprintf(w, ", %d rows: %d filed, %d rejected", imp.Total, imp.Filed, imp.Rejected)
	}
	if imp.Error != "" {
		fmt.Fprintf(w, " (%s)", imp.Error)
	}
	fmt.Fprintln(w)
	for _, n := range imp.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// progressBar draws the import's progress on a terminal, in place; on
// anything else (a log file, a pipe) it draws nothing, so logs stay clean.
type progressBar struct {
	w     io.Writer
	tty   bool
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	tty := false
	if fh, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(fh.Fd()))
	}
	return &progressBar{w: w, tty: tty}
}

func (b *progressBar) show(imp *ucx.Import) {
	if !b.tty {
		return
	}
	b.drawn = true
	if imp.Total <= 0 {
		// The row count is not known until the file has been read
		// through: count up instead of drawing a bar that cannot move.
		fmt.Fprintf(b.w, "\r%s: %d rows so far, %d rejected\033[K", imp.State, imp.Processed, imp.Rejected)
		return
	}
	const width = 30
	filled := min(max(width*imp.Processed/imp.Total, 0), width)
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d rows, %d rejected\033[K", strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		imp.Processed, imp.Total, imp.Rejected)
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// writeTemplate writes sheet.Template to path, through a temporary file so
// that a failed write leaves no half a workbook.
func writeTemplate(cmd *cobra.Command, path string) error {
	data, err := sheet.Template()
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	tmp, err := os.CreateTemp(dirOf(path), ".ucx-template-*")
	if err != nil {
		return usageErr(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return usageErr(err)
	}
	if err := tmp.Close(); err != nil {
		return usageErr(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return usageErr(err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "import template written to %s\n", path)
	return nil
}
