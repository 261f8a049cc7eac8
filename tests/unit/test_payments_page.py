"""The payments page's pure parts: the desk's form checks and pre-fill, and
the builders that turn balances into the table, the form and the receipt.
Expected values are written out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bi_app.figures.payments import (
    allocation_rows,
    balances_from_store,
    balances_to_store,
    merge_selection,
    orders_table,
    receipt_card,
    refusal,
    selection_summary,
)
from workflow import payment_desk as desk
from workflow.balances import BalancePage, OrderBalance, PaymentState
from workflow.errors import ErrorCode, WorkflowError
from workflow.payment_rules import Allocation
from workflow.payments import Payment

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 15, 30, tzinfo=BERLIN)


def balance(order_id: int, due_days: int, total: str, paid: str = "0.00", **kw) -> OrderBalance:
    total_d, paid_d = Decimal(total), Decimal(paid)
    return OrderBalance(
        order_id=order_id,
        customer_id=kw.get("customer_id", 7),
        status=kw.get("status", "placed"),
        placed_at=T0,
        due_at=T0 + timedelta(days=due_days),
        total=total_d,
        paid=paid_d,
        refunded=Decimal("0.00"),
        balance_due=total_d - paid_d,
        state=kw.get("state", PaymentState.UNPAID if paid_d == 0 else PaymentState.PARTIALLY_PAID),
    )


OLD = balance(1043, 10, "40.00", "15.00")  # 25.00 due first
NEW = balance(1042, 30, "60.00")  # 60.00 due later
SHOWN = [OLD, NEW]


def text_of(component) -> str:
    """All the text a component tree shows, in order."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component, predicate):
    """Every component in the tree for which predicate holds."""
    found = []
    if isinstance(component, list | tuple):
        for child in component:
            found += find(child, predicate)
        return found
    if component is None or isinstance(component, str | int | float):
        return found
    if predicate(component):
        found.append(component)
    return found + find(getattr(component, "children", None), predicate)


# the desk's pure rules


def test_order_numbers_may_be_separated_by_commas_spaces_or_semicolons():
    assert desk.parse_order_numbers(" 1042, 1043;#1044  1042 ") == (1042, 1043, 1044)


def test_an_order_number_with_letters_is_named_in_the_refusal():
    with pytest.raises(WorkflowError) as refused:
        desk.parse_order_numbers("1042, 10x3")
    assert refused.value.code == ErrorCode.INVALID_ARGUMENT
    assert (
        refused.value.message
        == "'10x3' is not an order number; type numbers separated by commas, e.g. 1042, 1043."
    )


def test_the_prefill_covers_the_oldest_due_date_first_and_leaves_zero_for_the_rest():
    assert desk.prefill_allocations(SHOWN, Decimal("30.00")) == {
        1043: Decimal("25.00"),
        1042: Decimal("5.00"),
    }
    assert desk.prefill_allocations(SHOWN, Decimal("20.00")) == {
        1043: Decimal("20.00"),
        1042: Decimal("0.00"),
    }


def test_money_received_today_is_booked_now_and_an_earlier_day_at_noon():
    assert desk.received_moment(date(2026, 3, 20), NOW) == NOW
    assert desk.received_moment(date(2026, 3, 18), NOW) == datetime(2026, 3, 18, 12, 0, tzinfo=BERLIN)


def check(**fields) -> desk.EntryCheck:
    values = {
        "amount": "85.00",
        "allocations": {1043: "25.00", 1042: "60.00"},
        "balances": SHOWN,
        "method": "bank_transfer",
        "reference": "  TR 77 ",
        "received_on": "2026-03-20",
        "now": NOW,
    }
    return desk.check_entry(**(values | fields))


def test_a_complete_form_becomes_an_entry():
    entry = check().entry
    assert entry == desk.PaymentEntry(
        Decimal("85.00"), {1043: Decimal("25.00"), 1042: Decimal("60.00")}, "bank_transfer", "TR 77", NOW
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12,5x", "Amount '12,5x' is not a number; enter e.g. 12.50."),
        ("-5", "Amount must be more than 0.00; -5 was entered."),
        ("", "Enter the amount, e.g. 12.50."),
        ("85.001", "Amount 85.001 has more than two decimals; enter whole cents, e.g. 12.50."),
        ("90.00", "Orders 1043, 1042 have 85.00 left to pay together; 90.00 was entered."),
    ],
)
def test_a_bad_amount_is_explained_beside_the_amount(amount, message):
    result = check(amount=amount)
    assert result.entry is None
    assert result.errors == {"amount": message}


def test_an_allocation_above_the_orders_balance_is_explained_beside_that_order():
    result = check(allocations={1043: "30.00", 1042: "55.00"})
    assert result.allocation_errors == {1043: "Order 1043 has 25.00 left to pay; 30.00 was allocated to it."}
    assert result.entry is None


def test_allocations_that_do_not_add_up_to_the_amount_are_refused():
    result = check(amount="50.00", allocations={1043: "25.00", 1042: "30.00"})
    assert result.errors == {
        "allocations": "The allocations add up to 55.00 but the payment is 50.00; make them equal."
    }


def test_an_empty_or_zero_allocation_means_nothing_for_that_order():
    entry = check(amount="25.00", allocations={1043: "25.00", 1042: "0.00"}).entry
    assert entry.allocations == {1043: Decimal("25.00")}
    assert check(amount="25.00", allocations={1043: "25.00", 1042: ""}).entry.allocations == {
        1043: Decimal("25.00")
    }


def test_a_day_in_the_future_an_unknown_method_and_a_long_reference_each_get_a_message():
    result = check(received_on="2026-03-21", method="bitcoin", reference="x" * 201)
    assert result.errors == {
        "received": "Money cannot be received in the future; 2026-03-21 is after today (2026-03-20).",
        "method": "Choose how the money was paid.",
        "reference": "The reference is 201 characters long; at most 200.",
    }


def test_a_form_without_orders_asks_for_a_selection():
    assert check(balances=[], allocations={}).errors == {"selection": "Select at least one order."}


# the builders


def test_ticking_on_one_page_keeps_the_orders_selected_on_other_pages():
    assert merge_selection([5, 9, 12], {9: False, 20: True, 21: False, 12: True}) == [5, 12, 20]
    assert merge_selection([], {3: True}) == [3]


def test_balances_survive_the_browser_store_to_the_cent():
    stored = balances_to_store(SHOWN)
    assert stored[0]["balance_due"] == "25.00"
    assert balances_from_store(stored) == SHOWN


def open_page(rows) -> desk.OpenOrders:
    customer = desk.DeskCustomer(7, "Ann Lee", "a***@e***.com", "DE")
    due = sum((b.balance_due for b in rows), Decimal("0.00"))
    return desk.OpenOrders(customer, BalancePage(tuple(rows), 60, due), page=2, page_size=25)


def test_the_orders_table_ticks_the_selected_orders_and_shows_exact_money():
    table = orders_table(open_page(SHOWN), {1042}, "EUR", BERLIN)
    boxes = {c.id["index"]: c.value for c in find(table, lambda c: type(c).__name__ == "Checkbox")}
    assert boxes == {1043: False, 1042: True}
    shown = text_of(table)
    assert "€40.00€15.00€25.00Partially paid" in shown
    assert "2026-03-12" in shown  # the due day in Berlin


def test_an_empty_page_says_no_open_orders_match():
    assert text_of(orders_table(open_page([]), set(), "EUR", BERLIN)) == "No open orders match."


def test_the_summary_counts_the_orders_and_shows_their_balance_due():
    due = desk.SelectionDue((OLD, NEW), Decimal("85.00"))
    assert text_of(selection_summary(due, "EUR")) == "2 orders selected — balance due €85.00"


def test_allocation_inputs_are_prefilled_as_text_for_the_placed_orders_only():
    cancelled = balance(1050, 40, "10.00", status="cancelled", state=None)
    rows = allocation_rows(
        [OLD, NEW, cancelled], {1043: Decimal("25.00"), 1042: Decimal("5.00")}, "EUR", BERLIN
    )
    inputs = find(
        rows, lambda c: isinstance(getattr(c, "id", None), dict) and c.id["type"] == "payments-allocation"
    )
    assert [(i.id["index"], i.value) for i in inputs] == [(1043, "25.00"), (1042, "5.00")]


def receipt(replayed: bool) -> desk.Receipt:
    payment = Payment(
        31, 7, "payment", Decimal("30.00"), "bank_transfer", "TR 77", NOW, "key", "web",
        (Allocation(1043, Decimal("25.00")), Allocation(1042, Decimal("5.00"))), replayed=replayed,
    )  # fmt: skip
    after = (
        balance(1043, 10, "40.00", "40.00", state=PaymentState.PAID),
        balance(1042, 30, "60.00", "5.00"),
    )
    return desk.Receipt(payment, after)


def test_the_receipt_names_the_payment_and_each_orders_new_badge():
    card = receipt(replayed=False)
    shown = text_of(receipt_card(card, "EUR", BERLIN))
    assert shown.startswith(
        "Payment #31 recorded€30.00 by Bank transfer, received 2026-03-20, reference TR 77."
    )
    assert "Order #1043: €25.00 Paid" in shown
    assert "Order #1042: €5.00, €55.00 left Partially paid" in shown
    badges = find(
        receipt_card(card, "EUR", BERLIN), lambda c: getattr(c, "id", None) == "payments-receipt-state-1043"
    )
    assert text_of(badges) == "Paid"


def test_a_replayed_receipt_says_nothing_new_was_written():
    shown = text_of(receipt_card(receipt(replayed=True), "EUR", BERLIN))
    assert shown.startswith("Payment #31 was already recorded")
    assert "nothing new was written" in shown


def test_a_refusal_shows_the_rules_message_and_the_balance_due_now():
    due = desk.SelectionDue((OLD,), Decimal("20.00"))
    shown = text_of(refusal("Order 1043 has 20.00 left to pay; 25.00 was entered.", due, "EUR"))
    assert shown == (
        "Order 1043 has 20.00 left to pay; 25.00 was entered.Balance due now: €20.00Nothing was recorded."
    )
