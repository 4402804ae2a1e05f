package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
)

// newUserCmd is `ucx user`: adding users by invitation.
func newUserCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "add users to an organisation, by invitation",
	}
	var u ucx.User
	var role string
	create := &cobra.Command{
		Use:   "create --org ID --username NAME --role admin|member|viewer [--display-name TEXT]",
		Short: "add a user and print the one-time link with which they set their password",
		Long: `create adds a user to an organisation without a password and prints the
invitation: a link (and its token) with which the user chooses their own
password, once, within three days. The platform operator's admin may invite
into any organisation (its first admin, say); an organisation's admin into
its own. Nobody who creates a user learns the password, and the act is in
the organisation's audit trail, which its admins read.

Send the link to the user by a channel you trust; it is shown only now.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
		Example: "  UCX_TOKEN=… ucx user create --org 7 --username li.wei --role admin --display-name 李伟",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			u.Role = ucx.Role(role)
			if !u.Role.Valid() {
				return usageErr(fmt.Errorf("--role must be admin, member or viewer"))
			}
			if u.Username == "" {
				return usageErr(fmt.Errorf("--username is required"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			inv, err := c.InviteUser(cmd.Context(), nil, &u)
			if err != nil {
				return clientErr(err)
			}
			if f.json {
				return printJSON(cmd.OutOrStdout(), map[string]any{"user": u, "invitation": inv})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "user %s (id %d, %s) added to organisation %d without a password\n", u.Username, u.ID, u.Role, u.OrgID)
			fmt.Fprintf(out, "invitation (works once, until %s):\n  %s\n", inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), inv.URL)
			fmt.Fprintf(out, "token (for POST /api/v1/invitations/accept): %s\n", inv.Token)
			return nil
		},
	}
	fl := create.Flags()
	fl.Int64Var(&u.OrgID, "org", 0, "the organisation's id (default: your own)")
	fl.StringVar(&u.Username, "username", "", "3–64 characters of a–z, 0–9, '.', '_' and '-'")
	fl.StringVar(&role, "role", "", "admin, member or viewer")
	fl.StringVar(&u.DisplayName, "display-name", "", "the name shown in the web UI")
	cmd.AddCommand(create)
	return cmd
}
