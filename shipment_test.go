package ucx

import "testing"

func TestShipmentStateOfIsTheLeastAdvancedLiveVehicle(t *testing.T) {
	cases := []struct {
		name   string
		states []State
		want   State
	}{
		{"empty", nil, StateDraft},
		{"any draft", []State{StateUnderReview, StateDraft}, StateDraft},
		{"letter pending", []State{StateUnderReview, StateAwaitingConfirmation}, StateAwaitingConfirmation},
		{"refused ones left out", []State{StateUnderReview, StateRefused, StateRefused}, StateUnderReview},
		{"dropped ones left out", []State{StateLicensed, StateWithdrawn}, StateLicensed},
		{"all cleared", []State{StateCleared, StateCleared}, StateCleared},
		{"none live, one refused", []State{StateWithdrawn, StateRefused}, StateRefused},
		{"all withdrawn", []State{StateWithdrawn}, StateWithdrawn},
	}
	for _, c := range cases {
		if got := ShipmentStateOf(c.states); got != c.want {
			t.Errorf("%s: ShipmentStateOf(%v) = %s, want %s", c.name, c.states, got, c.want)
		}
	}
}

func TestShipmentLiveLeavesOutWithdrawnAndRefused(t *testing.T) {
	s := &Shipment{Vehicles: []*Application{{ID: 1, State: StateUnderReview}, {ID: 2, State: StateRefused}, {ID: 3, State: StateWithdrawn}, {ID: 4, State: StateAwaitingConfirmation}}}
	live := s.Live()
	if len(live) != 2 || live[0].ID != 1 || live[1].ID != 4 {
		t.Fatalf("Live() = %v, want vehicles 1 and 4", live)
	}
}
