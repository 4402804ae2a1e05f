package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/client"
)

// newRegisterCmd is `ucx register`: the manufacturer register the platform
// operator keeps (R2), as `ucx wmi` decides WMI claims.
func newRegisterCmd(f *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register",
		Short: "the manufacturer register: MIIT's announced manufacturers and the organisations bound to them (the operator's)",
		Long: `Only the vehicle's manufacturer, under exactly the name it has in MIIT's
道路机动车辆生产企业公告, may issue the confirmation letter (R2); its sales
subsidiaries, overseas sales departments, authorised overseas dealers and
modified-vehicle manufacturers may not (the Guidelines). The platform operator
enters the announcement's entries (exact name, role, source, batch) and binds
each manufacturer organisation to its entry; an unbound manufacturer's
approvals are refused with unregistered_manufacturer. Everyone may list the
register; add, correct, retire, bind and unbind are the operator's admin's.

Roles: ` + roleList() + `.

Exit status: 0 done, 1 the server refused, 2 usage, 3 server failure.`,
	}
	var retired bool
	var offset, limit int
	list := &cobra.Command{
		Use:   "list [--retired]",
		Short: "list the register's entries by name",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			es, total, err := c.FindRegisterEntries(cmd.Context(), nil, ucx.RegisterFilter{Retired: retired, Offset: offset, Limit: limit})
			if err != nil {
				return clientErr(err)
			}
			return printList(cmd, f, es, total, offset, limit, []string{"ID", "NAME", "ROLE", "BATCH", "BOUND TO", "RETIRED"}, func(e *ucx.RegisterEntry) []string {
				bound := ""
				if e.OrgID != 0 {
					bound = e.OrgName + " (" + id64(e.OrgID) + ")"
				}
				return []string{id64(e.ID), e.Name, string(e.Role), e.Batch, bound, timeStr(e.RetiredAt)}
			})
		},
	}
	list.Flags().BoolVar(&retired, "retired", false, "include retired entries")
	list.Flags().IntVar(&offset, "offset", 0, "entries to skip")
	list.Flags().IntVar(&limit, "limit", 0, "page size (default the server's)")

	var in ucx.RegisterEntryInput
	var role string
	var bindOrg int64
	add := &cobra.Command{
		Use:     "add --name NAME --role ROLE --source URL --batch BATCH [--note TEXT] [--bind ORG]",
		Short:   "add an entry as the announcement has it, and optionally bind an organisation of that exact name",
		Example: "  UCX_TOKEN=… ucx register add --name 比亚迪汽车工业有限公司 --role vehicle_manufacturer --batch 第361批 --source https://www.miit.gov.cn/… --bind 4",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Role = ucx.RegisterRole(role)
			c, err := f.client()
			if err != nil {
				return err
			}
			e, err := c.AddRegisterEntry(cmd.Context(), nil, &in)
			if err != nil {
				return clientErr(err)
			}
			if bindOrg != 0 {
				if e, err = c.BindOrg(cmd.Context(), nil, e.ID, bindOrg); err != nil {
					return clientErr(err)
				}
			}
			return printEntry(cmd, f, e, "added")
		},
	}
	entryFlags(add, &in, &role)
	add.Flags().Int64Var(&bindOrg, "bind", 0, "bind this manufacturer organisation (its legal name must be the entry's)")

	var fix ucx.RegisterEntryInput
	var fixRole string
	correct := &cobra.Command{
		Use:   "correct ID [--name NAME] [--role ROLE] [--source URL] [--batch BATCH] [--note TEXT]",
		Short: "correct a live entry: the flags given replace its fields",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, e, err := currentEntry(cmd, f, args[0])
			if err != nil {
				return err
			}
			id := e.ID
			in := ucx.RegisterEntryInput{Name: e.Name, Role: e.Role, Source: e.Source, Batch: e.Batch, Note: e.Note}
			fl := cmd.Flags()
			for _, x := range []struct {
				flag     string
				to, from *string
			}{{"name", &in.Name, &fix.Name}, {"source", &in.Source, &fix.Source}, {"batch", &in.Batch, &fix.Batch}, {"note", &in.Note, &fix.Note}} {
				if fl.Changed(x.flag) {
					*x.to = *x.from
				}
			}
			if fl.Changed("role") {
				in.Role = ucx.RegisterRole(fixRole)
			}
			if e, err = c.UpdateRegisterEntry(cmd.Context(), nil, id, e.Version, &in); err != nil {
				return clientErr(err)
			}
			return printEntry(cmd, f, e, "corrected")
		},
	}
	entryFlags(correct, &fix, &fixRole)

	var note string
	retire := &cobra.Command{
		Use:   "retire ID --note TEXT",
		Short: "retire an entry (struck from the announcement, superseded); its organisation is unbound",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, e, err := currentEntry(cmd, f, args[0])
			if err != nil {
				return err
			}
			id := e.ID
			if e, err = c.RetireRegisterEntry(cmd.Context(), nil, id, e.Version, note); err != nil {
				return clientErr(err)
			}
			return printEntry(cmd, f, e, "retired")
		},
	}
	retire.Flags().StringVar(&note, "note", "", "why (required)")

	var org int64
	bind := &cobra.Command{
		Use:   "bind ID --org ORG",
		Short: "bind a manufacturer organisation to the entry of its exact legal name",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("ID", args[0])
			if err != nil {
				return err
			}
			if org == 0 {
				return usageErr(fmt.Errorf("--org is required"))
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			e, err := c.BindOrg(cmd.Context(), nil, id, org)
			if err != nil {
				return clientErr(err)
			}
			return printEntry(cmd, f, e, "bound")
		},
	}
	bind.Flags().Int64Var(&org, "org", 0, "the manufacturer organisation's id")

	var why string
	unbind := &cobra.Command{
		Use:   "unbind ID --note TEXT",
		Short: "unbind the entry's organisation: it can no longer confirm",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("ID", args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			e, err := c.UnbindOrg(cmd.Context(), nil, id, why)
			if err != nil {
				return clientErr(err)
			}
			return printEntry(cmd, f, e, "unbound")
		},
	}
	unbind.Flags().StringVar(&why, "note", "", "why (required; the manufacturer reads it in its audit trail)")

	cmd.AddCommand(list, add, correct, retire, bind, unbind)
	return cmd
}

// currentEntry reads the register entry an ID argument names, with the
// client that read it: correcting or retiring sends the version read.
func currentEntry(cmd *cobra.Command, f *clientFlags, arg string) (*client.Client, *ucx.RegisterEntry, error) {
	id, err := parseID("ID", arg)
	if err != nil {
		return nil, nil, err
	}
	c, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	e, err := c.FindRegisterEntryByID(cmd.Context(), nil, id)
	if err != nil {
		return nil, nil, clientErr(err)
	}
	return c, e, nil
}

func roleList() string {
	var s []string
	for _, r := range ucx.RegisterRoles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func entryFlags(cmd *cobra.Command, in *ucx.RegisterEntryInput, role *string) {
	fl := cmd.Flags()
	fl.StringVar(&in.Name, "name", "", "the exact legal name as in MIIT's 道路机动车辆生产企业公告")
	fl.StringVar(role, "role", "", roleList())
	fl.StringVar(&in.Source, "source", "", "where it was read: the announcement's URL or reference")
	fl.StringVar(&in.Batch, "batch", "", "the announcement's batch (公告批次), e.g. 第385批")
	fl.StringVar(&in.Note, "note", "", "a note")
}

func printEntry(cmd *cobra.Command, f *clientFlags, e *ucx.RegisterEntry, what string) error {
	if f.json {
		return printJSON(cmd.OutOrStdout(), e)
	}
	bound := "bound to no organisation"
	if e.OrgID != 0 {
		bound = fmt.Sprintf("bound to %s (%d)", e.OrgName, e.OrgID)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "register entry %d %s: %s (%s), %s, %s\n", e.ID, what, e.Name, e.Role, e.Batch, bound)
	return nil
}
