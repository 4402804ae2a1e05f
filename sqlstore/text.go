package sqlstore

import (
	"reflect"
	"strings"

	"github.com/ucxdev/ucx"
)

// checkArgs applies ucx's one text rule (ucx.CheckText) to every text
// argument of a statement before either engine sees it. Left to the
// engines, SQLite would store a NUL or bytes that are not UTF-8 and
// PostgreSQL refuse them with an error naming nothing; checked here, a
// caller that bypasses the API (an import, the demo, the CLI) gets the
// API's answer on both: EINVALID naming the column, and nothing written.
// Line breaks and tabs are allowed, since the store cannot tell a name
// from a note; the API refuses them in one-line fields already.
func checkArgs(query string, args []any) error {
	for i, a := range args {
		v := reflect.ValueOf(a)
		if !v.IsValid() || v.Kind() != reflect.String {
			continue
		}
		if ucx.CheckText("text", v.String(), ucx.MultiLine) == nil {
			continue
		}
		field := argColumn(query, i)
		if field == "" {
			field = "text"
		}
		err := ucx.CheckText(field, v.String(), ucx.MultiLine).(*ucx.Error)
		err.Op = "sqlstore.checkArgs"
		return err
	}
	return nil
}

// argColumn names the column the n-th (from 0) ? placeholder of query
// stands for, as table.column where the statement says: the column list of
// INSERT INTO t (a, b) VALUES (?, ?) (every row of a multi-row VALUES),
// the column before "= ?" in UPDATE t SET a = ? or a WHERE clause. It
// returns "" when it cannot tell.
func argColumn(query string, n int) string {
	pos, seen := -1, 0
	inStr := false
	for i := 0; i < len(query); i++ {
		switch c := query[i]; {
		case c == '\'':
			inStr = !inStr
		case c == '?' && !inStr:
			if seen == n {
				pos = i
			}
			seen++
		}
		if pos >= 0 {
			break
		}
	}
	if pos < 0 {
		return ""
	}
	words := strings.Fields(strings.ToUpper(query[:min(len(query), 40)]))
	table := ""
	switch {
	case len(words) >= 3 && words[0] == "INSERT" && words[1] == "INTO":
		table = strings.ToLower(strings.TrimRight(strings.SplitN(words[2], "(", 2)[0], " "))
		if col := insertColumn(query, pos); col != "" {
			return table + "." + col
		}
	case len(words) >= 2 && words[0] == "UPDATE":
		table = strings.ToLower(words[1])
	}
	// "col = ?", "col <= ?", …: the identifier before the operator.
	j := pos - 1
	for j >= 0 && query[j] == ' ' {
		j--
	}
	k := j
	for k >= 0 && strings.IndexByte("=<>!", query[k]) >= 0 {
		k--
	}
	if k == j {
		return ""
	}
	for k >= 0 && query[k] == ' ' {
		k--
	}
	end := k + 1
	for k >= 0 && (isIdent(query[k]) || query[k] == '.') {
		k--
	}
	col := query[k+1 : end]
	if col == "" {
		return ""
	}
	if table != "" && !strings.Contains(col, ".") {
		return table + "." + col
	}
	return col
}

// insertColumn reads the column list of an INSERT and the position within
// its VALUES tuple of the placeholder at pos.
func insertColumn(query string, pos int) string {
	open := strings.IndexByte(query, '(')
	upper := strings.ToUpper(query)
	values := strings.Index(upper, "VALUES")
	if open < 0 || values < open || pos < values {
		return ""
	}
	closing := strings.IndexByte(query[open:], ')')
	if closing < 0 {
		return ""
	}
	cols := strings.Split(query[open+1:open+closing], ",")
	// Which item of its tuple is pos? Count the commas at depth 1 since the
	// tuple opened.
	item, depth := 0, 0
	for i := values; i < pos; i++ {
		switch query[i] {
		case '(':
			depth++
			if depth == 1 {
				item = 0
			}
		case ')':
			depth--
		case ',':
			if depth == 1 {
				item++
			}
		}
	}
	if item >= len(cols) {
		return ""
	}
	return strings.TrimSpace(cols[item])
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
