package publish

import (
	"cartera/internal/kpi"
	"cartera/internal/platform/apperr"
	"strings"
	"testing"
)

func TestChooseYears(t *testing.T) {
	have := map[int]kpi.Period{2010: {}, 2012: {}, 2014: {}}
	cases := []struct {
		want         Years
		from, to     int
		field, words string
	}{
		{Years{}, 2010, 2014, "", ""},
		{Years{From: 2012}, 2012, 2014, "", ""},
		{Years{To: 2012}, 2010, 2012, "", ""},
		{Years{From: 2014, To: 2010}, 0, 0, "from", "2014 is after to (2010)"},
		{Years{From: 2011}, 0, 0, "from", "X has no figures for 2011; it has figures for 2010, 2012, 2014"},
		{Years{To: 2020}, 0, 0, "to", "no figures for 2020"},
	}
	for _, c := range cases {
		from, to, err := chooseYears("X", have, c.want)
		if c.field == "" {
			if err != nil || from != c.from || to != c.to {
				t.Errorf("%+v: %d-%d, %v; want %d-%d", c.want, from, to, err, c.from, c.to)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != c.field || !strings.Contains(e.Fields[0].Message, c.words) {
			t.Errorf("%+v: %v; want %s: %q", c.want, err, c.field, c.words)
		}
	}
	if _, _, err := chooseYears("X", map[int]kpi.Period{}, Years{From: 2010}); err == nil {
		t.Errorf("a year asked of a partner with no figures at all should be refused")
	}
	if from, to, err := chooseYears("X", map[int]kpi.Period{}, Years{}); err != nil || from != 0 || to != 0 {
		t.Errorf("no figures and no years asked: %d %d %v", from, to, err)
	}
}
