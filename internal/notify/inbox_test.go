package notify

import (
	"testing"
)

func TestReadMarksArePerUser(t *testing.T) {
	w := newWorld(t)
	ann, bob := w.user("ann@example.org", "manager"), w.user("bob@example.org", "manager")
	w.emit(Event{Kind: Breach, Key: "breach:1:2026-06-30:0"}, Event{Kind: Cure, Key: "cure:1:2026-09-30"},
		Event{Kind: ReportOverdue, Key: "report_overdue:1:2026-09-30"})
	list := func(user int64, f InboxFilter) (ids []int64, read []bool) {
		t.Helper()
		ns, err := w.inbox.List(w.ctx, user, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			ids, read = append(ids, n.ID), append(read, n.Read)
		}
		return ids, read
	}
	all, _ := list(ann, InboxFilter{})
	if len(all) != 3 || all[0] < all[1] || all[1] < all[2] {
		t.Fatalf("not newest first: %v", all)
	}
	if err := w.inbox.MarkRead(w.ctx, ann, all[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.inbox.MarkRead(w.ctx, ann, all[0]); err != nil { // again: fine
		t.Fatal(err)
	}
	if err := w.inbox.MarkRead(w.ctx, ann, all[0]+100); err == nil {
		t.Error("marked an event that does not exist")
	}
	_, annRead := list(ann, InboxFilter{})
	_, bobRead := list(bob, InboxFilter{})
	if !annRead[0] || annRead[1] || bobRead[0] {
		t.Errorf("ann's marks %v, bob's %v", annRead, bobRead)
	}
	for _, c := range []struct {
		name string
		user int64
		f    InboxFilter
		want int
	}{
		{"ann unread", ann, InboxFilter{UnreadOnly: true}, 2},
		{"bob unread", bob, InboxFilter{UnreadOnly: true}, 3},
		{"kind", bob, InboxFilter{Kind: Cure}, 1},
		{"page", bob, InboxFilter{Limit: 2}, 2},
		{"after the cursor", bob, InboxFilter{Before: all[1]}, 1},
		{"partner", bob, InboxFilter{PartnerID: 42}, 0},
	} {
		if ids, _ := list(c.user, c.f); len(ids) != c.want {
			t.Errorf("%s: %d notifications, want %d", c.name, len(ids), c.want)
		}
	}
	if _, err := w.inbox.List(w.ctx, bob, InboxFilter{Kind: "nope"}); err == nil {
		t.Error("an unknown kind was accepted")
	}
	if n, _ := w.inbox.Unread(w.ctx, ann); n != 2 {
		t.Errorf("ann's unread count %d, want 2", n)
	}
	if n, err := w.inbox.MarkAllRead(w.ctx, bob); err != nil || n != 3 {
		t.Errorf("bob marked %d read (%v), want 3", n, err)
	}
	if a, _ := w.inbox.Unread(w.ctx, ann); a != 2 {
		t.Errorf("bob's read-all changed ann's count to %d", a)
	}
	if b, _ := w.inbox.Unread(w.ctx, bob); b != 0 {
		t.Errorf("bob's unread count %d after read-all", b)
	}
}
