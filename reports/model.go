package reports

import (
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/kpi"
)

// Partner is what both documents say about who the partner is. Codes (country,
// legal status, methodology) are translated by the renderers.
type Partner struct {
	Name         string
	Country      string // ISO 3166-1 alpha-2
	Region       string // where it works, in its own words
	LegalStatus  string // partner.LegalStatus code
	Methodology  string // partner.Methodology code, or empty
	Founded      int    // 0 when unknown
	PartnerSince int    // 0 when unknown
	Description  string
	Strengths    string // one point per line
	Risks        string // one point per line
}

// Profile is the credit committee's partner profile.
type Profile struct {
	Lang    Lang
	Fund    string // the lending fund, named in the footer
	Partner Partner
	AsOf    time.Time
	// Periods are the partner's latest reports on or before AsOf with their ratios,
	// oldest first, at most four. None when the partner has reported nothing.
	Periods []kpi.Period
	Peers   *PeerGroup // nil without figures
	Loans   []Loan
	// Covenants are the partner's covenants against its latest periods on or before
	// AsOf (nil or no rows: the table is left out).
	Covenants *covenant.Grid
}

// PeerGroup is where the partner stands among the partners of its world region for
// the period of its latest report.
type PeerGroup struct {
	PeriodEnd   time.Time
	WorldRegion string // UN M.49 code, e.g. "419"
	Members     int
	Ratios      []PeerRatio
}

// PeerRatio is one key ratio's spread over the group and the partner's value.
type PeerRatio struct {
	Name      kpi.Name
	Direction kpi.Direction
	Summary   kpi.Summary
	Value     *float64 // nil when the partner cannot compute it
	Position  kpi.Position
}

// Loan is one of the fund's loans to the partner as of the profile's date.
type Loan struct {
	Reference     string
	Currency      string
	Status        string // loan.Status code
	SignedOn      time.Time
	Committed     decimal.Decimal
	Disbursed     decimal.Decimal
	Outstanding   decimal.Decimal
	NextDueOn     *time.Time
	NextDueAmount decimal.Decimal
	DaysPastDue   int
}

// FactSheet is the newsletter's "data on" box and "then and now" table.
type FactSheet struct {
	Lang    Lang
	Fund    string
	Partner Partner
	AsOf    time.Time // the document's date
	// Currency is the one portfolio, average loan and the fund's credit are shown in.
	Currency string
	// LatestCredit is what the fund lent in the latest year it lent (nil: never).
	LatestCredit *YearAmount
	// Then and Now are the two years compared; both nil when the partner has no figures.
	Then, Now *Snapshot
	// Portfolio is the gross loan portfolio at each year's last report from Then to Now.
	Portfolio []YearAmount
}

// YearAmount is an amount for a calendar year.
type YearAmount struct {
	Year   int
	Amount decimal.Decimal
}

// Snapshot is a year's column of the "then and now" table: the partner's last
// report of the year and what the fund lent it that year.
type Snapshot struct {
	Year        int
	PeriodEnd   time.Time
	Portfolio   *decimal.Decimal
	Clients     *decimal.Decimal
	AverageLoan *decimal.Decimal // portfolio / loans outstanding
	FundCredit  decimal.Decimal  // committed in loans signed that year
}
