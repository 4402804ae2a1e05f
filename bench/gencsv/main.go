// Command gencsv writes a deterministic, realistic vehicles CSV for
// benchmarking `ucx check`:
//
//	cd bench && go run ./gencsv -n 1000000 -o /tmp/vehicles-1m.csv
//
// The same -n and -seed always give the same bytes. Rows look like an
// exporter's stock list: VINs of Chinese manufacturers with correct check
// digits (GB 16735), registration dates spread so that R1 outcomes vary,
// application dates in 2026 (a few left empty for --as-of), transfer dates
// some of them before 2026-01-01 (R7), the certificate's values for R5 (now
// and then not matching), three date notations, and about 0.4% invalid rows
// (a mistyped check digit, an impossible date, "12,000km", "Russia").
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/vin"
)

type maker struct {
	wmi, brand string
	models     []string
}

var makers = []maker{
	{"LGX", "BYD", []string{"Song PLUS DM-i", "Qin PLUS", "Seal", "Han EV", "Atto 3"}},
	{"LVV", "Chery", []string{"Tiggo 7 Pro", "Tiggo 8 Pro", "Arrizo 8"}},
	{"L6T", "Geely", []string{"Coolray", "Monjaro", "Emgrand"}},
	{"LGW", "GWM", []string{"Haval H6", "Tank 300", "Poer"}},
	{"LS5", "长安", []string{"CS75 PLUS", "UNI-K", "逸动"}},
	{"LFV", "FAW-Volkswagen", []string{"Sagitar", "Magotan"}},
}

var destinations = []string{"RU", "RU", "RU", "KZ", "KZ", "UZ", "KG", "AE", "GE", "AZ", "TJ", "MN", "SA"}

const vinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

var header = []string{
	"vin", "registration_date", "application_date", "destination", "brand", "model",
	"transfer_date", "modified", "mileage_km",
	"cert_brand", "cert_model", "cert_registration_date", "cert_transfer_date",
}

func main() {
	n := flag.Int("n", 1000000, "number of data rows")
	out := flag.String("o", "", "output file (default standard output)")
	seed := flag.Uint64("seed", 648, "random seed; the same seed gives the same file")
	flag.Parse()

	var w io.Writer = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gencsv:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := generate(bw, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
}

func generate(w io.Writer, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x648))
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	appFirst := ucx.MustDate(2026, 1, 5)
	rec := make([]string, len(header))
	for i := 0; i < n; i++ {
		m := makers[rng.IntN(len(makers))]
		model := m.models[rng.IntN(len(m.models))]
		app := appFirst.AddDays(rng.IntN(200))
		reg := app.AddDays(-rng.IntN(541)) // 0–540 days: about a third need a letter (R1)
		transfer := app.AddDays(-1 - rng.IntN(40))
		if transfer.Before(reg) {
			transfer = reg
		}
		v := makeVIN(rng, m.wmi, reg)

		rec[0] = v
		rec[1] = formatDate(rng, reg)
		rec[2] = formatDate(rng, app)
		if rng.IntN(20) == 0 {
			rec[2] = "" // judged at --as-of
		}
		rec[3] = destinations[rng.IntN(len(destinations))]
		rec[4] = m.brand
		rec[5] = model
		rec[6] = formatDate(rng, transfer)
		rec[7] = [...]string{"no", "no", "no", "否", ""}[rng.IntN(5)]
		rec[8] = strconv.Itoa(10 + rng.IntN(60000))
		rec[9], rec[10] = m.brand, model
		rec[11], rec[12] = rec[1], rec[6]
		if rng.IntN(100) == 0 { // the application does not match the certificate (R5)
			rec[10] = m.models[(rng.IntN(len(m.models)-1)+1+indexOf(m.models, model))%len(m.models)]
		}
		if rng.IntN(250) == 0 {
			spoil(rng, rec)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// makeVIN builds a VIN: WMI, five VDS characters, the check digit, the
// model-year code of the registration year, a plant code and a serial.
func makeVIN(rng *rand.Rand, wmi string, reg ucx.Date) string {
	var b [vin.Len]byte
	copy(b[:], wmi)
	for i := 3; i < 8; i++ {
		b[i] = vinChars[rng.IntN(len(vinChars))]
	}
	b[8] = '0'
	y, _, _ := reg.Civil()
	b[9] = "RST"[min(max(y-2024, 0), 2)] // 2024 R, 2025 S, 2026 T
	b[10] = vinChars[rng.IntN(len(vinChars))]
	serial := rng.IntN(1000000)
	for i := vin.Len - 1; i >= 11; i-- {
		b[i] = byte('0' + serial%10)
		serial /= 10
	}
	d, _ := vin.CheckDigit(string(b[:]))
	b[8] = d
	return string(b[:])
}

// formatDate writes d mostly as YYYY-MM-DD, sometimes as exporters type it.
func formatDate(rng *rand.Rand, d ucx.Date) string {
	y, m, day := d.Civil()
	switch k := rng.IntN(20); {
	case k < 2:
		return fmt.Sprintf("%d/%02d/%02d", y, m, day)
	case k < 3:
		return fmt.Sprintf("%d年%d月%d日", y, m, day)
	}
	return d.String()
}

// spoil makes one value of the row unreadable, as a typing error would.
func spoil(rng *rand.Rand, rec []string) {
	switch rng.IntN(4) {
	case 0:
		b := []byte(rec[0])
		b[8] = "0123456789X"[(indexByte("0123456789X", b[8])+1)%11]
		rec[0] = string(b)
	case 1:
		rec[1] = "2025-02-30"
	case 2:
		rec[8] = "12,000km"
	case 3:
		rec[3] = "Russia"
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return 0
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return 0
}
