package loan

// ProjectedSchedule is the schedule the terms would give if the whole commitment were
// disbursed on the signing date: what a new loan's form shows before it is saved.
// (A stored loan's schedule follows its actual disbursements.)
func ProjectedSchedule(terms Terms) ([]Installment, error) {
	if err := terms.Validate(); err != nil {
		return nil, err
	}
	draw := Event{ID: 1, Kind: Disbursement, On: terms.SignedOn, Amount: terms.Committed}
	st, err := Replay(terms, []Event{draw}, terms.SignedOn)
	if err != nil {
		return nil, err
	}
	return st.Installments, nil
}

// Label is how the kind reads in a sentence.
func (k EventKind) Label() string {
	switch k {
	case WriteOff:
		return "write-off"
	case Reschedule:
		return "rescheduling"
	case RateChange:
		return "rate change"
	case CommitmentCancel:
		return "cancellation of commitment"
	}
	return string(k)
}
