"""The workflow app both the guest-engine tests (tests/sandbox/test_workflow_engine.py) and
the real-node tests (tests/integration/test_workflows.py) run: goto, fan-out, wait, cancel."""

WORKFLOW_THREE = r"""
import {app} from 'codehooks-js';
const wf = app.createWorkflow('three', 'goto, fan-out, wait', {
  first: async (state, goto) => goto('second', {...state, a: 1}),
  second: async (state, goto) => goto(state.loop ? 'second' : ['left', 'right'], state),
  left: async (state, goto) => goto('join', {left: true}),
  right: async (state, goto) => goto('join', {right: true}),
  join: async (state, goto, wait) => {
    if (!state.approved) return wait({waiting: true});
    goto(null, {done: true});
  },
});
wf.on('error', () => {});
app.post('/start', async (req, res) => res.json(await wf.start(req.body)));
app.post('/approve/:id', async (req, res) =>
  res.json(await wf.updateState(req.params.id, {approved: true}, {continue: true})));
app.post('/cancel/:id', async (req, res) => res.json(await wf.cancelWorkflow(req.params.id)));
app.get('/state/:id', async (req, res) => res.json(await wf.getWorkflowStatus(req.params.id)));
"""
