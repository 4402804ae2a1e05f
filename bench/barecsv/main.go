// Command barecsv is the yardstick for `ucx check`: the least a program can
// do with the same file and still produce one JSON line per row. It reads
// the CSV with encoding/csv (ReuseRecord on, as a careful programmer would)
// and writes {"row":N,"vin":"…"} for each data row with encoding/json's
// Encoder into a 256 KiB bufio.Writer. It decides nothing and validates
// nothing, and it is single-threaded, as such a program would be.
//
//	cd bench && go run ./barecsv /tmp/vehicles-1m.csv > /dev/null
//
// bench/check.sh times it beside ucx check; the brief is that ucx check
// take no more than three times as long.
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type line struct {
	Row int    `json:"row"`
	VIN string `json:"vin"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: barecsv FILE.csv")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "barecsv:", err)
		os.Exit(2)
	}
	defer f.Close()
	out := bufio.NewWriterSize(os.Stdout, 256<<10)
	if err := run(bufio.NewReaderSize(f, 64<<10), out); err != nil {
		fmt.Fprintln(os.Stderr, "barecsv:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "barecsv:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	r := csv.NewReader(in)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	enc := json.NewEncoder(out)
	if _, err := r.Read(); err != nil { // header; vin is the first column
		return err
	}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := enc.Encode(line{Row: n, VIN: rec[0]}); err != nil {
			return err
		}
	}
}
