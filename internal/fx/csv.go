package fx

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// ReadCSV reads rates from a CSV file with a header row naming date, currency and rate
// (units of the currency per US dollar), in any order. A row that does not read is
// named by its line (the header is line 1); nothing is returned then.
func ReadCSV(r io.Reader) ([]Rate, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, want := range []string{"date", "currency", "rate"} {
		if _, ok := col[want]; !ok {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the header row lacks %s (it has %s)", strings.Join(missing, ", "), strings.Join(header, ","))
	}
	var rates []Rate
	var bad []string
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		var r Rate
		r.Currency = rec[col["currency"]]
		if r.Date, err = civil.Parse(strings.TrimSpace(rec[col["date"]])); err != nil {
			bad = append(bad, fmt.Sprintf("row %d, date: %v", line, err))
		}
		if r.Rate, err = money.ParseAmount(rec[col["rate"]]); err != nil {
			bad = append(bad, fmt.Sprintf("row %d, rate: %v", line, err))
		}
		rates = append(rates, r)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("nothing stored; fix these rows:\n  %s", strings.Join(bad, "\n  "))
	}
	return rates, nil
}

// RowErrors turns Put's rates[i].field errors for rates read by ReadCSV into the
// file's row numbers (the header is row 1); other errors pass unchanged.
func RowErrors(err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	lines := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		var row int
		var field string
		if n, _ := fmt.Sscanf(f.Field, "rates[%d].%s", &row, &field); n == 2 {
			lines[i] = fmt.Sprintf("row %d, %s: %s", row+2, field, rowsInMessage(f.Message))
		} else {
			lines[i] = f.Field + ": " + f.Message
		}
	}
	return fmt.Errorf("nothing stored; fix these rows:\n  %s", strings.Join(lines, "\n  "))
}

var rateIndex = regexp.MustCompile(`rates\[(\d+)\]`)

// rowsInMessage names the rates a message points to (ValidateBatch's "rates[0] is
// already EUR on this date") by their rows in the file.
func rowsInMessage(m string) string {
	return rateIndex.ReplaceAllStringFunc(m, func(ref string) string {
		i, _ := strconv.Atoi(ref[len("rates[") : len(ref)-1])
		return "row " + strconv.Itoa(i+2)
	})
}
