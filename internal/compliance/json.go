package compliance

import (
	"encoding/json"
	"time"

	"cartera/internal/covenant"
	"cartera/internal/platform/civil"
)

// Dates read as dates (YYYY-MM-DD) in JSON, as everywhere in the API; the outer
// fields shadow the embedded ones of the same name.

func optDay(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := civil.Format(*t)
	return &s
}

// MarshalJSON writes the covenant with its dates as days and its threshold as read.
func (c Covenant) MarshalJSON() ([]byte, error) {
	type plain Covenant
	m, _ := covenant.ParseMetric(c.MetricName)
	return json.Marshal(struct {
		plain
		From          string  `json:"from"`
		To            *string `json:"to"`
		ThresholdText string  `json:"threshold_text"`
	}{plain(c), civil.Format(c.From), optDay(c.To), covenant.FormatThreshold(m, c.Threshold)})
}

// MarshalJSON writes the breach with its dates as days.
func (b Breach) MarshalJSON() ([]byte, error) {
	type plain Breach
	return json.Marshal(struct {
		plain
		PeriodEnd      string  `json:"period_end"`
		CureBy         string  `json:"cure_by"`
		ClosedByPeriod *string `json:"closed_by_period"`
	}{plain(b), civil.Format(b.PeriodEnd), civil.Format(b.CureBy), optDay(b.ClosedByPeriod)})
}

// MarshalJSON writes the waiver with its expiry as a day.
func (w Waiver) MarshalJSON() ([]byte, error) {
	type plain Waiver
	return json.Marshal(struct {
		plain
		ExpiresOn string `json:"expires_on"`
	}{plain(w), civil.Format(w.ExpiresOn)})
}

// MarshalJSON writes the result with its period end as a day.
func (r ResultRow) MarshalJSON() ([]byte, error) {
	type plain ResultRow
	return json.Marshal(struct {
		plain
		PeriodEnd string `json:"period_end"`
	}{plain(r), civil.Format(r.PeriodEnd)})
}
