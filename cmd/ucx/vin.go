package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

// newVinCmd is `ucx vin`: an exporter's quick check of the VINs it is about
// to file, offline, with the reason for every rejection and the manufacturer
// each VIN will be routed to for its confirmation letter (R2).
func newVinCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "vin [--json] VIN... | -",
		Short: "validate and decode VINs (check digit, WMI, manufacturer, model year)",
		Long: `vin checks each VIN against ISO 3779 / GB 16735 (17 characters, no I, O
or Q, check digit at position 9) and decodes it: WMI and the manufacturer it
routes to (verified or not), VDS, VIS, model-year candidates, plant, serial.
The argument - reads VINs one per line from standard input.

Exit status: 0 all valid, 1 some invalid, 2 usage or unreadable input.`,
		Example: "  ucx vin LRW3E7FA5NC123456\n  ucx vin --json - < vins.txt",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("give at least one VIN, or - to read VINs one per line from standard input"))
			}
			vins, err := collectVINs(args, cmd.InOrStdin())
			if err != nil {
				return usageErr(err)
			}
			notAfter := time.Now().In(ucx.ChinaTime).Year() + 1
			w := bufio.NewWriter(cmd.OutOrStdout())
			invalid := 0
			for i, input := range vins {
				r := newVinReport(input, notAfter)
				if !r.Valid {
					invalid++
				}
				if asJSON {
					err = writeVinJSON(w, r)
				} else {
					if i > 0 {
						w.WriteByte('\n')
					}
					err = writeVinText(w, r)
				}
				if err != nil {
					return &exitError{code: exitInternal, err: err}
				}
			}
			if err := w.Flush(); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if invalid > 0 {
				return &exitError{code: exitFound, err: fmt.Errorf("%d of %d VINs invalid", invalid, len(vins))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per VIN, one per line")
	return cmd
}

// collectVINs expands the arguments: "-" stands for the lines of stdin,
// blank lines skipped.
func collectVINs(args []string, stdin io.Reader) ([]string, error) {
	var vins []string
	readStdin := false
	for _, a := range args {
		if a != "-" {
			vins = append(vins, a)
			continue
		}
		if readStdin {
			return nil, errors.New("- may be given only once: it reads all of standard input")
		}
		readStdin = true
		sc := bufio.NewScanner(stdin)
		line := 0
		for sc.Scan() {
			line++
			if strings.TrimSpace(sc.Text()) != "" {
				vins = append(vins, sc.Text())
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading VINs from standard input after line %d: %w", line, err)
		}
	}
	if len(vins) == 0 {
		return nil, errors.New("standard input held no VINs; give one VIN per line")
	}
	return vins, nil
}

// vinReport is one VIN's verdict as `ucx vin --json` prints it. The field
// names are the command's output contract: add fields, never rename them.
type vinReport struct {
	VIN          string           `json:"vin"`
	Input        string           `json:"input,omitempty"` // as given, when it differs from vin
	Valid        bool             `json:"valid"`
	Error        *vinReportError  `json:"error,omitempty"`
	WMI          string           `json:"wmi,omitempty"`
	Small        bool             `json:"small_manufacturer,omitempty"`
	VDS          string           `json:"vds,omitempty"`
	VIS          string           `json:"vis,omitempty"`
	CheckDigit   string           `json:"check_digit,omitempty"`
	YearCode     string           `json:"model_year_code,omitempty"`
	ModelYears   []int            `json:"model_years,omitempty"`
	Plant        string           `json:"plant,omitempty"`
	Serial       string           `json:"serial,omitempty"`
	Manufacturer *vinManufacturer `json:"manufacturer"` // null when the WMI is unknown
}

// vinReportError is a rejection: the vin.Error code, position and message.
type vinReportError struct {
	Code     string `json:"code"`
	Position int    `json:"position,omitempty"`
	Expected string `json:"expected,omitempty"` // the right check digit
	Message  string `json:"message"`
}

// vinManufacturer is the WMI table entry a VIN routes to.
type vinManufacturer struct {
	WMI      string   `json:"wmi"`
	NameZH   string   `json:"name_zh,omitempty"`
	NameEN   string   `json:"name_en,omitempty"`
	Brands   []string `json:"brands,omitempty"`
	Verified bool     `json:"verified"`
	Source   string   `json:"source"`
	Note     string   `json:"note,omitempty"`
}

// newVinReport normalises, validates and decodes one VIN. Model-year
// candidates run up to notAfter.
func newVinReport(input string, notAfter int) vinReport {
	v := vin.Normalize(input)
	info, err := vin.Decode(v)
	r := vinReport{VIN: v, Valid: err == nil}
	if input != v {
		r.Input = input
	}
	if err != nil {
		re := &vinReportError{Message: err.Error()}
		var ve *vin.Error
		if errors.As(err, &ve) {
			re.Code, re.Position = ve.Code, ve.Position
			if ve.Expected != 0 {
				re.Expected = string(ve.Expected)
			}
		}
		r.Error = re
	}
	if info.WMI == "" {
		return r
	}
	r.WMI, r.Small, r.VDS, r.VIS, r.Serial = info.WMI, info.Small, info.VDS, info.VIS, info.Serial
	r.CheckDigit = string(info.CheckDigit)
	r.YearCode = string(info.YearCode)
	r.ModelYears = vin.ModelYears(info.YearCode, notAfter)
	r.Plant = string(info.Plant)
	if e := info.Manufacturer; e != nil {
		r.Manufacturer = &vinManufacturer{WMI: e.WMI, NameZH: e.NameZH, NameEN: e.NameEN, Brands: e.Brands,
			Verified: e.Verified, Source: e.Source, Note: e.Note}
	}
	return r
}

// writeVinJSON prints r as one line of JSON.
func writeVinJSON(w io.Writer, r vinReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// writeVinText prints r as a block: the verdict on the first line, then the
// decoded parts with their labels aligned.
func writeVinText(w io.Writer, r vinReport) error {
	var b strings.Builder
	b.WriteString(printable(r.VIN))
	if r.Valid {
		b.WriteString("  valid\n")
	} else {
		b.WriteString("  INVALID: " + r.Error.Message + "\n")
	}
	line := func(label, value string) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, value)
	}
	if r.Input != "" {
		line("input", strconv.QuoteToASCII(r.Input))
	}
	if r.WMI == "" {
		_, err := io.WriteString(w, b.String())
		return err
	}
	wmi := r.WMI
	if r.Small {
		wmi += " (small manufacturer: positions 1-3 and 12-14)"
	}
	line("WMI", wmi)
	if m := r.Manufacturer; m != nil {
		state := "unverified"
		if m.Verified {
			state = "verified"
		}
		name := m.NameEN
		if m.NameZH != "" {
			name += " " + m.NameZH
		}
		if len(m.Brands) > 0 {
			name += " [" + strings.Join(m.Brands, ", ") + "]"
		}
		line("manufacturer", name+" ("+state+")")
		line("source", m.Source)
		if m.Note != "" {
			line("note", m.Note)
		}
	} else {
		line("manufacturer", "unknown WMI: not in the table; the manufacturer must declare it")
	}
	line("VDS", r.VDS+" (positions 4-9)")
	line("VIS", r.VIS+" (positions 10-17)")
	cd := r.CheckDigit
	if r.Error != nil && r.Error.Expected != "" {
		cd += ", expected " + r.Error.Expected
	}
	line("check digit", cd)
	if len(r.ModelYears) > 0 {
		years := make([]string, len(r.ModelYears))
		for i, y := range r.ModelYears {
			years[i] = strconv.Itoa(y)
		}
		line("model year", r.YearCode+": "+strings.Join(years, " or "))
	} else {
		line("model year", r.YearCode+": not a model-year code")
	}
	line("plant", r.Plant)
	line("serial", r.Serial)
	_, err := io.WriteString(w, b.String())
	return err
}

// printable returns s as is when it is printable ASCII, or quoted with
// escapes otherwise (an empty s too), so that pasted control characters
// cannot drive the terminal and an empty VIN is visible.
func printable(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}
