// The example app `brygge up --app examples/hello` deploys to the space `dev`.
import { app, Datastore } from 'codehooks-js';

// Public: no token needed for /hello (an auth hook that lets it through).
app.auth('/hello', (req, res, next) => next());

app.get('/hello', (req, res) => {
  console.log('hello from', req.ip);
  res.json({ message: 'Hello from Brygge!', path: req.apiPath });
});

// Everything else needs the space token (x-apikey).
app.post('/notes', async (req, res) => {
  const conn = await Datastore.open();
  const doc = await conn.insertOne('notes', req.body);
  res.status(201).json(doc);
});

app.get('/notes', async (req, res) => {
  const conn = await Datastore.open();
  conn.getMany('notes', {}).json(res);
});

app.get('/notes/:id', async (req, res) => {
  const conn = await Datastore.open();
  try {
    res.json(await conn.getOne('notes', req.params.id));
  } catch (e) {
    res.status(404).json({ error: `no note ${req.params.id}` });
  }
});

export default app.init();
