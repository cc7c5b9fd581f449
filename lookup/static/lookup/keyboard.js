// perpdesk's keyboard shortcuts (the "/" one is perpdesk.js's). Every page works without them.
//  j or Down, k or Up : the next or previous search result, recent lookup, or order on a
//                       customer's page (its link takes the focus, so Enter opens it)
//  r : Refresh          c : copy the reply of the selected order (an order or invoice page: its own)
//  ? : the shortcuts' help (templates/lookup/includes/shortcuts.html)
// None fires while typing in a field, or with Ctrl, Meta or Alt held.
"use strict";
(function () {
    const LISTED = "[data-pd-list] > li";  // the search page's results and recent lookups
    const ORDERS = "tr[data-order-id]:not(.pd-expansion)";  // a customer's orders
    let selected = null;

    function isTyping(target) {
        const tag = target && target.tagName;
        return Boolean(target && (target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT"));
    }

    function items() {
        return Array.from(document.querySelectorAll(LISTED + ", " + ORDERS));
    }

    function itemOf(element) {
        return element && element.closest ? element.closest(LISTED + ", " + ORDERS) : null;
    }

    function select(item) {
        if (selected) {
            selected.classList.remove("pd-selected");
        }
        selected = item;
        item.classList.add("pd-selected");
    }

    function focusItem(item) {
        let target = item.querySelector("a[href]");
        if (!target) {
            item.tabIndex = -1;  // no page to open: the row itself shows where you are
            target = item;
        }
        select(item);
        target.focus();
        target.scrollIntoView({block: "nearest"});
    }

    function move(step) {
        const all = items();
        if (!all.length) {
            return false;
        }
        const current = all.indexOf(itemOf(document.activeElement) || selected);
        const next = current < 0 ? (step > 0 ? 0 : all.length - 1) : current + step;
        focusItem(all[Math.max(0, Math.min(all.length - 1, next))]);
        return true;
    }

    // Arrows scroll the page as usual, except within the list (the search page is its list).
    function arrowsMove() {
        return Boolean(itemOf(document.activeElement) || document.querySelector("[data-pd-list]"));
    }

    function openSelected() {
        if (document.activeElement !== document.body || !selected) {
            return false;  // a focused link or button does its own Enter
        }
        const link = selected.querySelector("a[href]");
        if (link) {
            link.click();
        }
        return Boolean(link);
    }

    function refresh() {
        const form = document.querySelector("form.pd-refresh");
        if (form) {
            form.requestSubmit();
        }
        return Boolean(form);
    }

    function announce(text) {
        const status = document.getElementById("pd-keys-status");
        if (status) {
            status.textContent = "";
            window.setTimeout(function () { status.textContent = text; }, 50);  // read again if repeated
        }
    }

    function orderReply(element) {
        const expansion = element && element.closest ? element.closest(".pd-expansion") : null;
        if (expansion) {
            return expansion.querySelector(".pd-reply[data-reply-order]");
        }
        const row = itemOf(element);
        if (!row || !row.matches(ORDERS)) {
            return null;
        }
        return document.querySelector('.pd-reply[data-reply-order="' + CSS.escape(row.dataset.orderId) + '"]');
    }

    // An order or invoice page's own reply sits in its head; a customer's invoices have theirs in rows.
    function pageReply() {
        return document.querySelector(".pd-head .pd-reply[data-reply-order], .pd-head .pd-reply[data-reply-invoice]");
    }

    function copyReply() {
        if (!document.querySelector(ORDERS)) {
            const reply = pageReply();
            if (reply) {
                reply.click();
            }
            return Boolean(reply);
        }
        const focused = document.activeElement;
        const target = itemOf(focused) || focused.closest(".pd-expansion") ? focused : selected;
        const reply = orderReply(target);
        if (reply) {
            reply.click();
        } else {
            announce(target ? "No reply to copy for this order here: Enter opens its page." : "Choose an order first: j and k move through them.");
        }
        return true;
    }

    function openHelp() {
        const help = document.getElementById("pd-shortcuts");
        if (!help || help.open) {
            return false;
        }
        help.returnFocus = document.activeElement;
        help.showModal();
        return true;
    }

    function closeHelp(event) {
        const help = event.currentTarget;
        const back = help.returnFocus;
        help.returnFocus = null;
        if (back && back.focus && document.contains(back)) {
            back.focus();
        }
    }

    const ACTIONS = new Map([
        ["j", function () { return move(1); }],
        ["k", function () { return move(-1); }],
        ["ArrowDown", function () { return arrowsMove() && move(1); }],
        ["ArrowUp", function () { return arrowsMove() && move(-1); }],
        ["Enter", openSelected],
        ["r", refresh],
        ["c", copyReply],
        ["?", openHelp],
    ]);

    function onKey(event) {
        const action = ACTIONS.get(event.key);
        if (!action || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
            return;
        }
        if (isTyping(event.target) || document.querySelector("dialog[open]")) {
            return;
        }
        if (action()) {
            event.preventDefault();
        }
    }

    function followFocus(event) {
        const item = itemOf(event.target);
        if (item) {
            select(item);
        }
    }

    function start() {
        const help = document.getElementById("pd-shortcuts");
        if (help) {
            help.addEventListener("close", closeHelp);
            help.querySelector("[data-pd-close]").addEventListener("click", function () { help.close(); });
        }
        const opener = document.getElementById("pd-shortcuts-open");
        if (opener) {
            opener.hidden = false;
            opener.addEventListener("click", openHelp);
        }
        document.querySelectorAll("form.pd-refresh button[type=submit]").forEach(function (button) {
            button.setAttribute("aria-keyshortcuts", "R");
        });
        document.addEventListener("keydown", onKey);
        document.addEventListener("focusin", followFocus);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
