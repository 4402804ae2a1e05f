package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
	"github.com/ucxdev/ucx/http/wire"
)

// defaultServer is where the client commands look for ucx serve when
// neither --server nor UCX_SERVER says otherwise.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags every client command shares: where the server
// is, who the caller is, and whether the output is for a script.
type clientFlags struct {
	server string
	token  string
	json   bool
	lang   string
}

// register adds the shared flags to a top-level client command, for it and
// its subcommands. The token's default is read from the environment only
// when used, so that help output never prints a secret.
func (f *clientFlags) register(cmd *cobra.Command) {
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.server, "server", "", "the ucx server's URL (default $UCX_SERVER, else "+defaultServer+")")
	pf.StringVar(&f.token, "token", "", "API token (default $UCX_TOKEN; `ucx login` prints one)")
	pf.BoolVar(&f.json, "json", false, "print JSON for scripts instead of tables for people")
	pf.StringVar(&f.lang, "lang", "", "language of the server's messages and the policy's reasons: zh or en (default $UCX_LANG, else en)")
}

// language resolves --lang, then UCX_LANG, then English: the language the
// server words its errors in and the reasons are printed in. Codes, fields
// and the JSON output are the same in every language.
func (f *clientFlags) language() (string, error) {
	l := f.lang
	if l == "" {
		l = os.Getenv("UCX_LANG")
	}
	switch l {
	case "":
		return "en", nil
	case "zh", "en":
		return l, nil
	}
	return "", usageErr(fmt.Errorf("--lang %q is not supported; use zh or en", l))
}

// serverURL resolves --server, then UCX_SERVER, then the default.
func (f *clientFlags) serverURL() string {
	if f.server != "" {
		return f.server
	}
	if s := os.Getenv("UCX_SERVER"); s != "" {
		return s
	}
	return defaultServer
}

// client returns an API client with the caller's token. Without a token
// there is nothing to send, which is a usage error (exit 2), not a trip to
// the server to be told so.
func (f *clientFlags) client() (*client.Client, error) {
	token := f.token
	if token == "" {
		token = os.Getenv("UCX_TOKEN")
	}
	if token == "" {
		return nil, usageErr(errors.New("no API token: pass --token or set UCX_TOKEN (`ucx login` prints one)"))
	}
	lang, err := f.language()
	if err != nil {
		return nil, err
	}
	c := client.New(f.serverURL(), token)
	f.lang = lang // printDecision and the tables read it resolved
	c.UserAgent, c.Language = "ucx-cli", lang
	return c, nil
}

// newClientCmds returns the commands that talk to a ucx server over the
// REST API (DESIGN.md "Interfaces": the CLI is a client of the API, through
// the same service interfaces the server implements).
func newClientCmds() []*cobra.Command {
	f := &clientFlags{}
	cmds := []*cobra.Command{
		newLoginCmd(f),
		newAppCmd(f),
		newImportCmd(f),
		newRequestCmd(f),
		newLicenceCmd(f),
		newShipmentCmd(f),
		newLetterCmd(f),
		newClearCmd(f),
		newDeregistrationCmd(f),
		newKeyCmd(f),
		newDocumentCmd(f),
		newUserCmd(f),
		newWMICmd(f),
		newRegisterCmd(f),
		newNotifyCmd(f),
	}
	for _, c := range cmds {
		f.register(c)
	}
	return cmds
}

// clientErr turns an API error into the process's exit status: a refusal
// by the server (a 4xx: invalid, forbidden, not found, conflict, rule …)
// exits 1, a server or transport failure exits 3. The message names the
// code and the field, so a script can tell them apart in the log.
func clientErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	code := ucx.ErrorCode(err)
	msg := ucx.ErrorMessage(err)
	if code == ucx.EUNAVAILABLE || code == ucx.EINTERNAL {
		var ue *ucx.Error
		if errors.As(err, &ue) && ue.Message != "" {
			msg = ue.Message
		}
	}
	text := code + ": " + msg
	if f := ucx.ErrorField(err); f != "" {
		text += " (field " + f + ")"
	}
	exit := exitFound
	if wire.ErrorStatusCode(code) >= 500 {
		exit = exitInternal
	}
	return &exitError{code: exit, err: errors.New(text)}
}

// parseID reads a record id argument.
func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr(fmt.Errorf("%s must be a positive integer id, not %q", what, s))
	}
	return id, nil
}

// printJSON writes v indented, for scripts.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table writes aligned columns for people: each column as wide as its
// widest cell in display width (a Chinese character takes two columns on
// a terminal), two spaces apart; the last column is not padded.
type table struct {
	w    io.Writer
	rows [][]string
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = t.rows[:0]
	_, err := io.WriteString(t.w, b.String())
	return err
}

// fields prints "name: value" lines aligned, skipping empty values.
func fields(w io.Writer, kv ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
	}
	return tw.Flush()
}

func id64(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func timeStr(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(ucx.ChinaTime).Format("2006-01-02 15:04")
}

// printList prints one page of a list: for scripts, JSON shaped as the
// API's list answer; for people, a table with a row per item and a footer.
func printList[T any](cmd *cobra.Command, f *clientFlags, items []T, total, offset, limit int, header []string, row func(T) []string) error {
	w := cmd.OutOrStdout()
	if f.json {
		return printJSON(w, wire.ListResponse[T]{Items: items, Total: total, Offset: offset, Limit: limit})
	}
	t := newTable(w, header...)
	for _, it := range items {
		t.row(row(it)...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	pageFooter(w, len(items), offset, total)
	return nil
}

// pageFooter tells people where in a long list they are.
func pageFooter(w io.Writer, shown, offset, total int) {
	if total == 0 {
		fmt.Fprintln(w, "none")
		return
	}
	if shown < total {
		fmt.Fprintf(w, "%d–%d of %d (use --offset for more)\n", offset+1, offset+shown, total)
		return
	}
	fmt.Fprintf(w, "%d in all\n", total)
}

// newLoginCmd is `ucx login`: exchange a username and password for an API
// token, printed for UCX_TOKEN. The password comes from standard input
// (--password-stdin, for scripts) or a prompt that does not echo; never
// from a flag, which would leave it in the shell history and ps.
func newLoginCmd(f *clientFlags) *cobra.Command {
	var username string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login --username NAME [--password-stdin]",
		Short: "sign in and print an API token",
		Long: `login exchanges a username and password for an API token and prints it.
Use it as UCX_TOKEN (or --token) for the other client commands:

  export UCX_TOKEN=$(ucx login --username li.wei)

Exit status: 0 signed in, 1 refused (wrong password, too many attempts),
2 usage, 3 the server could not be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if username == "" {
				return usageErr(errors.New("--username is required"))
			}
			password, err := readPassword(cmd, passwordStdin)
			if err != nil {
				return err
			}
			c := client.New(f.serverURL(), "")
			c.UserAgent = "ucx-cli"
			tr, err := c.Login(cmd.Context(), username, password)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), tr)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), tr.Secret)
			return err
		},
	}
	cmd.Flags().StringVarP(&username, "username", "u", "", "the username")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input (its first line)")
	return cmd
}

// readPassword reads the password from standard input's first line, or
// prompts for it on a terminal without echo.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	in := cmd.InOrStdin()
	if !fromStdin {
		fd := int(os.Stdin.Fd())
		if in != os.Stdin || !term.IsTerminal(fd) {
			return "", usageErr(errors.New("give the password on standard input with --password-stdin, or run on a terminal to be asked"))
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", usageErr(fmt.Errorf("reading the password: %w", err))
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", usageErr(fmt.Errorf("reading the password from standard input: %w", err))
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErr(errors.New("standard input holds no password"))
	}
	return line, nil
}
