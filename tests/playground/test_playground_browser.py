"""The playground and the digits page in a real browser (the system's Chromium,
driven by Playwright): the pages learn, take changes, upload, share, draw; their
controls have names; and no page logs an error (the ``page`` fixture checks)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

#: Bounds on waits: generous, the machine may be busy; never what a test measures.
LEARNING = 120_000
QUICK = 30_000
#: What a figure shows before it has a value.
NO_VALUE = "\N{EN DASH}"


def open_playground(page, server, hash_: str = "") -> None:
    page.goto(server.url + (f"#{hash_}" if hash_ else ""))
    expect(page.get_by_test_id("test-loss")).not_to_have_text(NO_VALUE, timeout=QUICK)


def epoch(page) -> int:
    return int(page.get_by_test_id("epoch").inner_text().replace(",", ""))


def wait_for_epoch(page, at_least: int) -> None:
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=epoch]').textContent"
        ".replace(/,/g, '')) >= n", arg=at_least, timeout=LEARNING)


def test_play_learns_the_circle(page, playground, tmp_path):
    open_playground(page, playground)
    assert epoch(page) == 0
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=test-loss]').textContent) < 0.1",
        timeout=LEARNING)
    assert epoch(page) > 10
    assert float(page.get_by_test_id("train-loss").inner_text()) < 0.2
    assert page.get_by_test_id("accuracy").inner_text().endswith("%")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    page.screenshot(path=tmp_path / "circle.png")


#: Each unit's picture as the network's canvas shows it: the alpha at its box's
#: centre, and the colours at the middle of its left and right edges.
UNIT_PICTURES = """() => {
    const canvas = document.getElementById('links');
    const context = canvas.getContext('2d');
    const net = canvas.getBoundingClientRect();
    return [...document.querySelectorAll('.map[data-map]')].map((box) => {
        const r = box.getBoundingClientRect();
        const at = (x, y) => [...context.getImageData(Math.round(x - net.left),
                                                      Math.round(y - net.top), 1, 1).data];
        const middle = r.top + r.height / 2;
        return {map: Number(box.dataset.map), centre: at(r.left + r.width / 2, middle)[3],
                left: at(r.left + 3, middle), right: at(r.right - 3, middle)};
    });
}"""


def test_every_unit_picture_is_drawn_in_its_box(page, playground):
    # The pictures are drawn into the network's one canvas (not a canvas each):
    # every used unit's box is covered, and x1's picture runs from negative
    # (orange, left) to positive (blue, right) across the plane.
    open_playground(page, playground, "layers=3,3&features=x1,x2,x1x2")
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
    page.wait_for_timeout(200)  # the frame drawn
    pictures = page.evaluate(UNIT_PICTURES)
    assert [p["map"] for p in pictures] == list(range(3 + 3 + 3 + 2))
    assert all(p["centre"] == 255 for p in pictures)  # opaque: a picture, not a gap
    x1 = pictures[0]
    assert x1["left"][0] > x1["left"][2] and x1["right"][2] > x1["right"][0]


def test_step_reset_and_a_layer_added(page, playground):
    open_playground(page, playground)
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
    page.get_by_role("button", name="Add a hidden layer").click()
    expect(page.locator("#layer-count")).to_have_text("3 hidden layers", timeout=QUICK)
    expect(page.get_by_text("Layer 3", exact=True)).to_be_visible()
    assert "layers=4,2,2" in page.url
    expect(page.get_by_test_id("epoch")).to_have_text("000,000")  # a new network
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(
        has_text="starts afresh").first).to_be_visible()
    page.get_by_role("button", name="Add a neuron to layer 3").click()
    expect(page.get_by_text("3 neurons")).to_be_visible(timeout=QUICK)
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,000", timeout=QUICK)


def test_changing_the_rate_mid_run_keeps_counting(page, playground):
    open_playground(page, playground)
    page.get_by_role("button", name="Play").click()
    wait_for_epoch(page, 20)
    before = epoch(page)
    page.get_by_label("Learning rate", exact=True).fill("0.1")
    page.get_by_label("Learning rate", exact=True).press("Enter")
    seen = [before]
    deadline = time.monotonic() + LEARNING / 1000
    while seen[-1] < before + 30 and time.monotonic() < deadline:
        time.sleep(0.05)
        seen.append(epoch(page))
    assert seen == sorted(seen) and seen[-1] >= before + 30  # never back to 0
    assert "learning_rate=0.1" in page.url
    page.get_by_role("button", name="Pause").click()


def test_three_classes(page, playground):
    open_playground(page, playground)
    page.get_by_label("Spiral").check()
    expect(page.locator("#problem")).to_contain_text("2 classes", timeout=QUICK)
    page.get_by_label("Classes").fill("3")
    page.get_by_label("Classes").press("Enter")
    expect(page.locator("#problem")).to_contain_text("classification, 3 classes", timeout=QUICK)
    expect(page.locator("#confusion tr")).to_have_count(4)  # a header and 3 classes
    expect(page.get_by_text("class 2", exact=True)).to_have_count(0)  # names are titles, not text
    assert page.locator(".column").last.locator(".unit").count() == 3  # 3 output units
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("accuracy")).to_have_text(re.compile(r"^\d+\.\d%$"))
    assert "dataset=spiral" in page.url and "classes=3" in page.url


def test_upload_a_csv(page, playground, tmp_path):
    open_playground(page, playground)
    rows = ["temperature,humidity,rain"] + [
        f"{10 + k % 20},{30 + (k * 7) % 60},{int((k * 7) % 60 > 30)}" for k in range(200)]
    (tmp_path / "weather.csv").write_text("\n".join(rows) + "\n")
    page.get_by_label("Your own data").set_input_files(tmp_path / "weather.csv")
    expect(page.get_by_label("Uploaded file")).to_be_checked(timeout=QUICK)
    expect(page.locator("#axis-x")).to_have_text("temperature")
    expect(page.get_by_label("Label", exact=True)).to_have_value("rain")
    expect(page.locator("#problem")).to_contain_text("the uploaded file: 200 rows")
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    page.get_by_label("Your own data").set_input_files(tmp_path / "photo.csv")
    expect(page.get_by_role("alert").filter(has_text="not a UTF-8 text file")).to_be_visible(
        timeout=QUICK)


def test_a_shared_url_reopens_the_same_state(page, browser_context, playground):
    open_playground(page, playground, "dataset=xor&noise=20&layers=5,3&activations=relu,tanh"
                    "&learning_rate=0.1&features=x1,x2,x1x2&seed=42&batch_size=17"
                    "&regularization=l2&reg_rate=0.003&show_test=true")
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
    shared = page.url
    again = browser_context.new_page()
    try:
        again.goto(shared)
        expect(again.get_by_test_id("test-loss")).not_to_have_text(NO_VALUE, timeout=QUICK)
        assert again.url == shared
        for label, value in (("Learning rate", "0.1"), ("Regularization rate", "0.003"),
                             ("Noise", "20"), ("Batch size", "17")):
            expect(again.get_by_label(label, exact=False).first).to_have_value(value)
        expect(again.get_by_label("Show test data")).to_be_checked()
        expect(again.locator("#activation-0")).to_have_value("relu")
        expect(again.locator("#feature-x1x2")).to_be_checked()
        again.get_by_role("button", name="Step").click()
        expect(again.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)
        # the same data and network: the same losses after the same step
        for figure in ("test-loss", "train-loss", "accuracy"):
            expect(again.get_by_test_id(figure)).to_have_text(
                page.get_by_test_id(figure).inner_text())
    finally:
        again.close()


def test_a_bad_value_is_an_error_in_the_page_and_the_page_goes_on(page, playground):
    open_playground(page, playground)
    page.get_by_label("Learning rate", exact=True).fill("-1")
    page.get_by_label("Learning rate", exact=True).press("Enter")
    expect(page.get_by_role("alert").filter(
        has_text="learning_rate must be a number above 0")).to_be_visible(timeout=QUICK)
    page.get_by_role("button", name="Step").click()
    expect(page.get_by_test_id("epoch")).to_have_text("000,001", timeout=QUICK)


def test_controls_have_names_and_figures_have_hooks(page, playground):
    open_playground(page, playground)
    for name in ("Play", "Step", "Reset", "Fast-forward", "Regenerate", "Add a hidden layer"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => !e.labels?.length && !e.getAttribute('aria-label'))
        .map(e => e.id || e.outerHTML)""")
    assert unnamed == []
    for hook in ("epoch", "train-loss", "test-loss", "accuracy"):
        expect(page.get_by_test_id(hook)).to_have_count(1)


def test_hidden_controls_make_an_exercise(page, playground):
    open_playground(page, playground, "hide=learning_rate,activations,doctor")
    expect(page.get_by_label("Learning rate", exact=True)).to_be_hidden()
    expect(page.get_by_text("The doctor", exact=True)).to_be_hidden()
    expect(page.locator("#activation-0")).to_be_hidden()
    expect(page.get_by_label("Optimizer")).to_be_visible()


@pytest.mark.slow
def test_the_panels_show_the_librarys_tools(page, playground, tmp_path):
    open_playground(page, playground, "dataset=spiral&layers=8,8,8,8,8,8&activations=sigmoid"
                    "&learning_rate=0.3")
    for panel in ("Gradient flow", "The doctor", "Error surface", "One step explained",
                  "Export"):
        page.get_by_text(panel, exact=True).click()
    expect(page.locator("#doctor-findings")).to_contain_text("the vanishing gradient problem",
                                                             timeout=QUICK)
    page.get_by_role("button", name="Step-explain").click()
    expect(page.locator("#explain-text")).to_contain_text(
        "one training step: Network 2 -> 8 -> 8 -> 8 -> 8 -> 8 -> 8 -> 2", timeout=QUICK)
    page.get_by_role("button", name="Play").click()
    wait_for_epoch(page, 5)
    page.get_by_role("button", name="Pause").click()
    with page.expect_download() as download:
        page.get_by_text("Download the model").click()
    download.value.save_as(tmp_path / "model.npz")
    import steepest

    net = steepest.load(tmp_path / "model.npz")
    assert net.sizes == [2, 8, 8, 8, 8, 8, 8, 2] and net.epochs_trained >= 5
    page.screenshot(path=tmp_path / "panels.png", full_page=True)


def test_draw_a_one(page, playground):
    page.goto(playground.url + "digits")
    expect(page.locator("#label option")).to_have_count(10, timeout=QUICK)
    box = page.get_by_role("img", name="Drawing pad").bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(x, box["y"] + box["height"] * (0.15 + 0.7 * k / 20))
    page.mouse.up()
    prediction = page.get_by_test_id("prediction")
    expect(prediction).to_have_text(re.compile(r"^1 \(\d+\.\d%\)$"), timeout=QUICK)
    page.get_by_label("It is a").select_option("7")
    page.get_by_role("button", name="Take one step").click()
    expect(page.locator("#learned-text")).to_contain_text("One step towards 7", timeout=QUICK)
    expect(page.get_by_role("button", name="Undo")).to_be_enabled()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("button", name="Undo")).to_be_disabled(timeout=QUICK)
    page.get_by_role("button", name="Clear").click()
    expect(prediction).to_have_text(NO_VALUE)
