from deckgen.records import SECTIONS, UNSURE_BELOW, SectionResult


def scores(**given: float) -> dict[str, float]:
    rest = (1 - sum(given.values())) / (len(SECTIONS) - len(given))
    return {s: given.get(s, rest) for s in SECTIONS}


def test_a_label_chosen_over_a_higher_score_is_unsure_by_its_own_score():
    # the joint decoding labels the slide "problem" though "product" scored more
    shown = SectionResult(label="problem", scores=scores(problem=0.27, product=0.55))
    assert shown.sureness == 0.27
    assert shown.unsure
    sure = SectionResult(label="product", scores=scores(problem=0.27, product=0.55))
    assert sure.sureness == 0.55 and not sure.unsure


def test_other_from_flat_scores_is_the_least_sure_and_a_hand_label_is_sure():
    # "other" for flat scores: the top score it distrusted (classify's min_confidence)
    flat = SectionResult(label="other", scores=scores(market=0.2, other=0.01))
    assert flat.sureness == 0.2 and flat.unsure
    by_hand = SectionResult(label="team", scores=scores(market=0.9, team=0.001), curated=True)
    assert by_hand.sureness == 1.0 and not by_hand.unsure
    assert SectionResult(label="team").sureness == 0.0  # no scores at all
    assert 0 < UNSURE_BELOW < 1


def test_sureness_survives_the_json_round_trip():
    result = SectionResult(label="problem", scores=scores(problem=0.3, product=0.6))
    again = SectionResult.from_dict(result.to_dict())
    assert again.sureness == result.sureness == 0.3
