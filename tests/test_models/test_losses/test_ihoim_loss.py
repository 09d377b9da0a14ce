"""iHOIM/OIM losses against independent NumPy formulas, gradients, and the
memory update on hand-built examples."""
import numpy as np
import pytest
import torch

from hmot_mm.models.losses import OIMLoss, iHOIMLoss

TAU = 1 / 30


def unit_rows(rng, n, d):
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def numpy_ihoim(lut, queue, x, labels, tau=TAU, oim_weight=2.0):
    """The paper's eqs. (1)-(8), written with plain probabilities; the
    paper's λ = 2·p(person)² has ``oim_weight`` for its 2."""
    n = len(lut)
    s = x @ np.concatenate([lut, queue]).T / tau
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p_person, p_bg = p[:, :n].sum(1), p[:, n:].sum(1)
    y = labels >= 0
    loss_det = np.mean(np.where(y, -np.log(p_person), -np.log(p_bg)))
    if not y.any():
        return loss_det, 0.0
    sid = s[y, :n]
    eid = np.exp(sid - sid.max(axis=1, keepdims=True))
    p_id = eid / eid.sum(axis=1, keepdims=True)
    nll = -np.log(p_id[np.arange(y.sum()), labels[y]])
    return loss_det, np.mean(oim_weight * p_person[y]**2 * nll)


def numpy_oim(lut, x, labels, tau=TAU):
    """OIM over the identities only (the ablation's re-ID loss)."""
    y = labels >= 0
    s = x[y] @ lut.T / tau
    e = np.exp(s - s.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return np.mean(-np.log(p[np.arange(y.sum()), labels[y]]))


def make_loss(rng, num_ids=7, queue=5, dim=16, empty_rows=2, oim_weight=2.0):
    """An iHOIM loss in float64 with random memory, some rows unwritten."""
    loss = iHOIMLoss(
        num_ids, queue, feat_dim=dim, oim_weight=oim_weight).double()
    loss.lookup_table.copy_(torch.from_numpy(unit_rows(rng, num_ids, dim)))
    loss.bg_queue.copy_(torch.from_numpy(unit_rows(rng, queue, dim)))
    loss.lookup_table[:empty_rows] = 0
    loss.bg_queue[:empty_rows] = 0
    return loss


LABEL_CASES = {
    'mixed': [-1, 0, 3, -1, 6, 3, -1],
    'all_background': [-1] * 6,
    'all_positive': [0, 1, 2, 3, 4, 5, 6, 2],
}


@pytest.mark.parametrize('oim_weight', [2.0, 0.3])
@pytest.mark.parametrize('case', LABEL_CASES)
def test_ihoim_equals_numpy_formulas(case, oim_weight):
    rng = np.random.default_rng(0)
    loss = make_loss(rng, oim_weight=oim_weight)
    labels = np.array(LABEL_CASES[case])
    x = unit_rows(rng, len(labels), 16)
    out = loss(torch.from_numpy(x), torch.from_numpy(labels))
    det, oim = numpy_ihoim(
        loss.lookup_table.numpy(),
        loss.bg_queue.numpy(),
        x,
        labels,
        oim_weight=oim_weight)
    np.testing.assert_allclose(out['loss_det'].item(), det, rtol=1e-6)
    np.testing.assert_allclose(
        out['loss_oim'].item(), oim, rtol=1e-6, atol=0 if oim else 1e-12)


def test_loss_weight_scales_both_terms():
    rng = np.random.default_rng(1)
    loss = make_loss(rng)
    labels = torch.tensor(LABEL_CASES['mixed'])
    x = torch.from_numpy(unit_rows(rng, len(labels), 16))
    base = loss(x, labels)
    loss.loss_weight = 2.5
    scaled = loss(x, labels)
    for key in ('loss_det', 'loss_oim'):
        assert scaled[key].item() == pytest.approx(2.5 * base[key].item())


def test_finite_on_empty_memory_and_inputs():
    loss = iHOIMLoss(num_ids=4, bg_queue_size=3, feat_dim=8)
    x = torch.nn.functional.normalize(torch.randn(5, 8), dim=1)
    x.requires_grad_(True)
    out = loss(x, torch.tensor([-1, 0, 1, -1, 3]))
    # all memory rows are zero: every score is 0, p(person) = N / (N + B)
    assert out['loss_det'].item() == pytest.approx(
        -(3 * np.log(4 / 7) + 2 * np.log(3 / 7)) / 5)  # 3 persons, 2 bg
    sum(out.values()).backward()
    assert torch.isfinite(x.grad).all()
    empty = loss(x[:0], torch.zeros(0, dtype=torch.long))
    assert all(v.item() == 0 and v.requires_grad for v in empty.values())
    # far-out logits (an unnormalised input) stay finite in log space
    big = loss(1e3 * x.detach(), torch.tensor([-1, 0, 1, -1, 3]))
    assert all(torch.isfinite(v) for v in big.values())


def test_no_positive_gives_graph_keeping_zero():
    loss = iHOIMLoss(num_ids=4, bg_queue_size=3, feat_dim=8)
    x = torch.nn.functional.normalize(torch.randn(3, 8), dim=1)
    x.requires_grad_(True)
    out = loss(x, torch.full((3, ), -1))
    assert out['loss_oim'].item() == 0 and out['loss_oim'].requires_grad
    out['loss_oim'].backward()
    assert torch.equal(x.grad, torch.zeros_like(x))


def test_gradcheck_detection_loss():
    rng = np.random.default_rng(2)
    loss = make_loss(rng)
    labels = torch.tensor(LABEL_CASES['mixed'])
    x = torch.from_numpy(unit_rows(rng, len(labels), 16)).requires_grad_()
    assert torch.autograd.gradcheck(lambda e: loss(e, labels)['loss_det'],
                                    (x, ))


def test_gradcheck_oim_loss_with_frozen_lambda():
    """λ = 2·p(person)² is detached: the gradient of loss_oim is that of
    mean(λ0 · CE) with λ frozen at the evaluation point."""
    rng = np.random.default_rng(3)
    loss = make_loss(rng)
    labels = torch.tensor(LABEL_CASES['mixed'])
    x0 = torch.from_numpy(unit_rows(rng, len(labels), 16))
    pos = labels >= 0
    lam0 = 2 * loss.person_log_probs(x0)[0][pos].exp()**2

    def frozen(e):
        ce = -(e[pos] @ loss.lookup_table.t() / TAU).log_softmax(1).gather(
            1, labels[pos, None]).squeeze(1)
        return (lam0 * ce).mean()

    assert torch.autograd.gradcheck(frozen, (x0.clone().requires_grad_(), ))
    x = x0.clone().requires_grad_()
    (grad, ) = torch.autograd.grad(loss(x, labels)['loss_oim'], x)
    xf = x0.clone().requires_grad_()
    (grad_frozen, ) = torch.autograd.grad(frozen(xf), xf)
    torch.testing.assert_close(grad, grad_frozen, rtol=1e-10, atol=1e-12)


def test_oim_equals_numpy_formula():
    rng = np.random.default_rng(4)
    loss = OIMLoss(num_ids=7, feat_dim=16).double()
    loss.lookup_table.copy_(torch.from_numpy(unit_rows(rng, 7, 16)))
    labels = np.array(LABEL_CASES['mixed'])
    x = unit_rows(rng, len(labels), 16)
    out = loss(torch.from_numpy(x), torch.from_numpy(labels))
    assert set(out) == {'loss_oim'}
    np.testing.assert_allclose(
        out['loss_oim'].item(),
        numpy_oim(loss.lookup_table.numpy(), x, labels),
        rtol=1e-6)


def test_oim_softmax_has_no_background_rows():
    """Background RoIs neither enter the OIM softmax nor its memory: the
    loss, its gradient and the memory after an update are those of the
    positives alone."""
    rng = np.random.default_rng(8)
    loss = OIMLoss(num_ids=5, feat_dim=8).double()
    loss.lookup_table.copy_(torch.from_numpy(unit_rows(rng, 5, 8)))
    assert {name for name, _ in loss.named_buffers()} == {'lookup_table'}
    positives = torch.from_numpy(unit_rows(rng, 3, 8)).requires_grad_()
    background = torch.from_numpy(unit_rows(rng, 4, 8)).requires_grad_()
    pos_labels = torch.tensor([0, 4, 2])
    alone = loss(positives, pos_labels)['loss_oim']
    mixed = loss(
        torch.cat([positives, background]),
        torch.cat([pos_labels, torch.full((4, ), -1)]))['loss_oim']
    assert mixed.item() == pytest.approx(alone.item(), rel=1e-12)
    (grad_bg, ) = torch.autograd.grad(mixed, background)
    assert grad_bg.abs().sum() == 0
    before = loss.lookup_table.clone()
    loss.update_memory(background.detach(), torch.full((4, ), -1))
    assert torch.equal(loss.lookup_table, before)


def test_identity_mask_keeps_a_positive_a_person_without_its_identity():
    """A positive masked out still counts as a person in L_det, but leaves
    L_OIM (the mean over the positives kept, eq. as numpy_ihoim on those
    rows alone) and the lookup-table update; backgrounds still reach SMR."""
    rng = np.random.default_rng(9)
    loss = make_loss(rng, empty_rows=0).train()
    labels = np.array([-1, 0, 3, -1, 6, 3, -1])
    mask = np.array([False, True, False, True, False, True, True])
    x = unit_rows(rng, len(labels), 16)
    lut, queue = loss.lookup_table.numpy().copy(), loss.bg_queue.numpy()
    out = loss(
        torch.from_numpy(x), torch.from_numpy(labels), torch.from_numpy(mask))
    kept = np.array([1, 5])  # the positives the mask keeps
    det, _ = numpy_ihoim(lut, queue, x, labels)
    _, oim = numpy_ihoim(lut, queue, x[kept], labels[kept])
    np.testing.assert_allclose(out['loss_det'].item(), det, rtol=1e-6)
    np.testing.assert_allclose(out['loss_oim'].item(), oim, rtol=1e-6)

    twin = make_loss(np.random.default_rng(9), empty_rows=0)
    assert loss.update_memory_from_last_forward()
    # identity 6 was masked out: its row stays; 0 and 3 move by momentum
    np.testing.assert_array_equal(loss.lookup_table[6].numpy(), lut[6])
    for k, row in ((0, 1), (3, 5)):
        want = 0.5 * lut[k] + 0.5 * x[row]
        np.testing.assert_allclose(
            loss.lookup_table[k].numpy(),
            want / np.linalg.norm(want),
            rtol=1e-12)
    # the queue saw the same candidates as without any positive
    twin.update_memory(
        torch.from_numpy(x[labels < 0]), torch.from_numpy(labels[labels < 0]))
    torch.testing.assert_close(loss.bg_queue, twin.bg_queue)
    torch.testing.assert_close(loss.bg_importance, twin.bg_importance)


def test_identity_mask_in_the_oim_baseline():
    rng = np.random.default_rng(10)
    loss = OIMLoss(num_ids=7, feat_dim=16).double()
    loss.lookup_table.copy_(torch.from_numpy(unit_rows(rng, 7, 16)))
    labels = np.array(LABEL_CASES['mixed'])
    mask = np.array([True, False, True, True, True, False, False])
    x = unit_rows(rng, len(labels), 16)
    out = loss(
        torch.from_numpy(x), torch.from_numpy(labels), torch.from_numpy(mask))
    kept = np.array([2, 4])
    np.testing.assert_allclose(
        out['loss_oim'].item(),
        numpy_oim(loss.lookup_table.numpy(), x[kept], labels[kept]),
        rtol=1e-6)


@pytest.mark.parametrize(
    'mask', [torch.ones(7), torch.ones(6, dtype=torch.bool)],
    ids=['float', 'short'])
@pytest.mark.parametrize('cls', [iHOIMLoss, OIMLoss])
def test_a_bad_identity_mask_is_named(cls, mask):
    loss = cls(7, feat_dim=16) if cls is OIMLoss else cls(7, 3, feat_dim=16)
    x = torch.nn.functional.normalize(torch.randn(7, 16), dim=1)
    with pytest.raises(
            ValueError,
            match=r'identity_mask must be a bool.*'
            r'shaped like labels \(7,\)'):
        loss(x, torch.tensor(LABEL_CASES['mixed']), mask)


@pytest.mark.parametrize('cls', [iHOIMLoss, OIMLoss])
def test_unknown_identity_names_n_and_label(cls):
    loss = cls(4, feat_dim=8) if cls is OIMLoss else cls(4, 3, feat_dim=8)
    x = torch.nn.functional.normalize(torch.randn(2, 8), dim=1)
    with pytest.raises(ValueError, match=r'label 4 .*num_ids=4'):
        loss(x, torch.tensor([0, 4]))
    with pytest.raises(ValueError, match=r'label -3 '):
        loss.update_memory(x, torch.tensor([-3, 0]))


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_ids=0, bg_queue_size=3), 'num_ids'),
    (dict(num_ids=3, bg_queue_size=0), 'bg_queue_size'),
    (dict(num_ids=3, bg_queue_size=3, temperature=0), 'temperature'),
    (dict(num_ids=3, bg_queue_size=3, momentum=1.0), 'momentum'),
    (dict(num_ids=3, bg_queue_size=3, smr_decay=1.5), 'smr_decay'),
    (dict(num_ids=3, bg_queue_size=3, oim_weight=-0.5), 'oim_weight'),
])
def test_bad_config_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        iHOIMLoss(**kwargs)


# ---------------------------------------------------------------- memory


def test_momentum_update_exact():
    loss = iHOIMLoss(num_ids=3, bg_queue_size=2, feat_dim=2)
    loss.update_memory(torch.tensor([[1., 0.]]), torch.tensor([1]))
    # 0.5·0 + 0.5·[1, 0] renormalised
    assert loss.lookup_table.tolist() == [[0, 0], [1, 0], [0, 0]]
    # two samples of identity 1 in one batch are applied in order
    loss.update_memory(
        torch.tensor([[0., 1.], [0., 1.]]), torch.tensor([1, 1]))
    first = np.array([0.5, 0.5]) / np.linalg.norm([0.5, 0.5])
    second = 0.5 * first + 0.5 * np.array([0., 1.])
    second /= np.linalg.norm(second)
    np.testing.assert_allclose(loss.lookup_table[1].numpy(), second, rtol=1e-6)
    assert loss.lookup_table[[0, 2]].abs().sum() == 0


def unit(theta):
    return [np.cos(theta), np.sin(theta)]


def full_queue_loss():
    """LUT row 0 = e_x; queue full of e_y with ω = (0.5, 0.2, 0.9)."""
    loss = iHOIMLoss(num_ids=2, bg_queue_size=3, feat_dim=2).double()
    loss.lookup_table[0] = torch.tensor([1., 0.])
    loss.bg_queue[:] = torch.tensor([0., 1.])
    loss.bg_importance[:] = torch.tensor([0.5, 0.2, 0.9])
    return loss


def test_smr_replaces_lowest_slot_when_at_least_its_importance():
    loss = full_queue_loss()
    x = torch.tensor([unit(np.pi / 4)], dtype=torch.float64)
    # ω = max(x·LUT) / max(x·queue) = cos 45° / sin 45° = 1 ≥ 0.2
    assert loss.smr_importance(x).item() == pytest.approx(1.0)
    loss.update_memory(x, torch.tensor([-1]))
    np.testing.assert_allclose(loss.bg_queue[1].numpy(), x[0].numpy())
    np.testing.assert_allclose(loss.bg_importance.numpy(),
                               0.99 * np.array([0.5, 1.0, 0.9]))


def test_smr_keeps_queue_when_importance_below_minimum():
    loss = full_queue_loss()
    x = torch.tensor([unit(np.arctan(10.0))], dtype=torch.float64)
    assert loss.smr_importance(x).item() == pytest.approx(0.1)
    queue_before = loss.bg_queue.clone()
    loss.update_memory(x, torch.tensor([-1]))
    assert torch.equal(loss.bg_queue, queue_before)
    np.testing.assert_allclose(loss.bg_importance.numpy(),
                               0.99 * np.array([0.5, 0.2, 0.9]))


def test_smr_tie_replaces_and_empty_slots_hold_zero():
    loss = full_queue_loss()
    x = torch.tensor([unit(np.pi / 4)], dtype=torch.float64)
    loss.bg_importance[:] = loss.smr_importance(x)  # ties every stored ω
    loss.update_memory(x, torch.tensor([-1]))
    np.testing.assert_allclose(loss.bg_queue[0].numpy(), x[0].numpy())

    # an empty memory: every ω is 0/(0 + ε) = 0, which ties the empty
    # slots' ω = 0, so the candidates fill slots 0, 1 in order
    fresh = iHOIMLoss(num_ids=2, bg_queue_size=3, feat_dim=2)
    assert fresh.bg_importance.tolist() == [0, 0, 0]
    fresh.update_memory(
        torch.tensor([[0., 1.], [1., 0.]]), torch.tensor([-1, -1]))
    assert fresh.bg_queue.tolist() == [[0, 1], [1, 0], [0, 0]]
    assert fresh.memory_stats()['bg_queue_fill'] == pytest.approx(2 / 3)


def test_smr_rejects_person_like_candidate_unlike_every_background():
    """HOIM's signs: max x·W_bg < 0 with max x·W_id > 0 gives ω < 0, so
    the candidate replaces no slot (a clamped denominator would have
    given it ω = max x·W_id / ε, the largest in the queue)."""
    loss = iHOIMLoss(num_ids=2, bg_queue_size=3, feat_dim=2).double()
    loss.lookup_table[:] = torch.tensor([[1., 0.], [0., 1.]])
    loss.bg_queue[:] = torch.tensor([-1., 0.])
    loss.bg_importance[:] = torch.tensor([0.5, 0.2, 0.9])
    x = torch.tensor([[0.6, 0.8]], dtype=torch.float64)
    # max x·W_id = 0.8, max x·W_bg = -0.6
    assert loss.smr_importance(x).item() == pytest.approx(0.8 / -0.6)
    queue_before = loss.bg_queue.clone()
    loss.update_memory(x, torch.tensor([-1]))
    assert torch.equal(loss.bg_queue, queue_before)


def test_decay_applied_once_per_call():
    loss = full_queue_loss()
    loss.update_memory(
        torch.tensor([[1., 0.]], dtype=torch.float64),
        torch.tensor([0]))  # no background candidate
    np.testing.assert_allclose(loss.bg_importance.numpy(),
                               0.99 * np.array([0.5, 0.2, 0.9]))
    loss.update_memory(
        torch.zeros(0, 2, dtype=torch.float64),
        torch.zeros(0, dtype=torch.long))
    np.testing.assert_allclose(loss.bg_importance.numpy(),
                               0.99**2 * np.array([0.5, 0.2, 0.9]))


def sequential_smr(queue, importance, candidates, omegas):
    """The SMR rule one candidate at a time (second implementation)."""
    queue, importance = queue.copy(), importance.copy()
    for x, w in zip(candidates, omegas):
        slot = int(np.argmin(importance))
        if w >= importance[slot]:
            queue[slot], importance[slot] = x, w
    return queue, importance


def test_smr_batch_equals_one_by_one_insertion():
    rng = np.random.default_rng(5)
    for trial in range(20):
        loss = iHOIMLoss(num_ids=6, bg_queue_size=8, feat_dim=4).double()
        loss.lookup_table.copy_(torch.from_numpy(unit_rows(rng, 6, 4)))
        filled = rng.integers(0, 9)
        loss.bg_queue[:filled] = torch.from_numpy(unit_rows(rng, filled, 4))
        # a few equal importances to exercise ties
        loss.bg_importance[:filled] = torch.from_numpy(
            rng.choice([0.3, 0.7, 1.1, 2.0], size=filled))
        candidates = unit_rows(rng, rng.integers(1, 15), 4)
        omegas = loss.smr_importance(torch.from_numpy(candidates)).numpy()
        expected_q, expected_w = sequential_smr(loss.bg_queue.numpy(),
                                                loss.bg_importance.numpy(),
                                                candidates, omegas)
        loss._refresh_queue(
            torch.from_numpy(candidates), torch.from_numpy(omegas))
        got = sorted(
            zip(loss.bg_importance.tolist(),
                map(tuple,
                    loss.bg_queue.numpy().round(12))))
        want = sorted(
            zip(expected_w.tolist(), map(tuple, expected_q.round(12))))
        assert got == want, f'trial {trial}'


def test_memory_stats_by_hand():
    loss = iHOIMLoss(num_ids=3, bg_queue_size=4, feat_dim=2).double()
    loss.lookup_table[0] = torch.tensor([1., 0.])
    loss.lookup_table[1] = torch.tensor([0., 1.])
    loss.bg_queue[0] = torch.tensor([1., 0.])
    loss.bg_queue[1] = torch.tensor([-0.6, 0.8])
    loss.bg_importance[:2] = torch.tensor([2., 4.])
    stats = loss.memory_stats()
    assert stats['lut_fill'] == pytest.approx(2 / 3)
    assert stats['lut_cos'] == pytest.approx(0.0)  # e_x·e_y
    assert stats['bg_queue_fill'] == pytest.approx(0.5)
    assert stats['bg_importance'] == pytest.approx(3.0)
    # pairs (e_x, e_x) 1, (e_x, q1) -0.6, (e_y, e_x) 0, (e_y, q1) 0.8
    assert stats['lut_bg_cos'] == pytest.approx((1 - 0.6 + 0 + 0.8) / 4)
    loss.lookup_table[1] = torch.tensor([1., 0.])  # collapsed rows
    assert loss.memory_stats()['lut_cos'] == pytest.approx(1.0)


def test_checkpoint_restores_memory_bit_for_bit(tmp_path):
    rng = np.random.default_rng(6)
    loss = iHOIMLoss(num_ids=5, bg_queue_size=4, feat_dim=8)
    for _ in range(3):
        x = torch.from_numpy(unit_rows(rng, 6, 8)).float()
        loss.update_memory(x, torch.tensor([-1, 0, 4, -1, -1, 2]))
    torch.save(loss.state_dict(), tmp_path / 'loss.pth')
    restored = iHOIMLoss(num_ids=5, bg_queue_size=4, feat_dim=8)
    restored.load_state_dict(
        torch.load(tmp_path / 'loss.pth', weights_only=True))
    for name in ('lookup_table', 'bg_queue', 'bg_importance'):
        a, b = getattr(loss, name), getattr(restored, name)
        assert torch.equal(a.view(torch.int32), b.view(torch.int32)), name


def test_inference_bank_joins_the_queue_at_the_weight_of_b_rows_in_eval_only():
    rng = np.random.default_rng(7)
    loss = make_loss(rng, empty_rows=0)
    bank = unit_rows(rng, 3, 16)
    loss.set_bg_bank(torch.from_numpy(bank))
    x = unit_rows(rng, 4, 16)
    lut, queue = loss.lookup_table.numpy(), loss.bg_queue.numpy()
    # eval: the 5 queue + 3 bank rows each weigh 5/8, together 5 rows
    for training, background, weight in ((True, queue, 1.0),
                                         (False, np.concatenate([queue, bank]),
                                          5 / 8)):
        loss.train(training)
        s = x @ np.concatenate([lut, background]).T / TAU
        p = np.exp(s - s.max(1, keepdims=True))
        p_id, p_bg = p[:, :len(lut)].sum(1), weight * p[:, len(lut):].sum(1)
        p_person = p_id / (p_id + p_bg)
        log_person, _ = loss.person_log_probs(torch.from_numpy(x))
        np.testing.assert_allclose(
            log_person.exp().numpy(), p_person, rtol=1e-9)
    with pytest.raises(ValueError, match=r'bg_bank rows must be \(K, 16\)'):
        loss.set_bg_bank(torch.zeros(2, 8))


def test_checkpoint_restores_a_bank_of_any_size_and_older_files(tmp_path):
    rng = np.random.default_rng(8)
    loss = iHOIMLoss(num_ids=5, bg_queue_size=4, feat_dim=8)
    bank = torch.from_numpy(unit_rows(rng, 6, 8)).float()
    loss.set_bg_bank(bank)
    restored = iHOIMLoss(num_ids=5, bg_queue_size=4, feat_dim=8)
    restored.load_state_dict(loss.state_dict())
    assert torch.equal(restored.bg_bank, bank)
    older = {k: v for k, v in loss.state_dict().items() if k != 'bg_bank'}
    restored.load_state_dict(older)  # a file from before the bank: none
    assert restored.bg_bank.shape == (0, 8)
