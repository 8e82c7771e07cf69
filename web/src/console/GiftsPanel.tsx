import { useCallback, useId, useState, type FormEvent } from 'react';
import type { Gift } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Notice, describe } from '../ui/Notice';
import { useLoaded } from '../ui/useLoaded';

export function GiftsPanel() {
  const { api } = useAuth();
  const { data: gifts, error, reload } = useLoaded(useCallback(() => api.gifts(), [api]));
  const [said, setSaid] = useState<string | null>(null);

  const changed = (message: string) => {
    setSaid(message);
    reload();
  };

  return (
    <section id="gifts" aria-labelledby="gifts-title" className="card">
      <h2 id="gifts-title">Gifts</h2>
      {said && <Notice tone="success">{said}</Notice>}
      {error !== null && <Notice tone="error">{describe(error)}</Notice>}
      {gifts === null && error === null && <p role="status">Loading the gifts…</p>}
      {gifts !== null && (
        <div className="table-scroll">
          <table>
            <caption>Gift catalogue</caption>
            <thead>
              <tr>
                <th scope="col">Gift</th>
                <th scope="col">Stock left</th>
                <th scope="col">Stocked in total</th>
                <th scope="col">Exchanged</th>
                <th scope="col">Add stock</th>
              </tr>
            </thead>
            <tbody>
              {gifts.map((gift) => (
                <tr key={gift.id} data-gift={gift.id}>
                  <th scope="row">{gift.name}</th>
                  <td>{gift.stock.toLocaleString()}</td>
                  <td>{gift.stockedTotal.toLocaleString()}</td>
                  <td>{gift.exchangedCount.toLocaleString()}</td>
                  <td>
                    <StockForm gift={gift} onAdded={(g) => changed(`${g.name}: ${g.stock} in stock now.`)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <GiftForm onAdded={(g) => changed(`${g.name} added with ${g.stock} in stock.`)} />
    </section>
  );
}

function StockForm({ gift, onAdded }: { gift: Gift; onAdded: (gift: Gift) => void }) {
  const { api } = useAuth();
  const id = useId();
  const [quantity, setQuantity] = useState('10');
  const [error, setError] = useState<unknown>(null);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      onAdded(await api.addStock(gift.id, Number(quantity)));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="inline-form" onSubmit={add}>
      <label htmlFor={`${id}-qty`} className="visually-hidden">
        Quantity to add to {gift.name}
      </label>
      <input id={`${id}-qty`} type="number" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} required />
      <button type="submit" aria-label={`Add to ${gift.name}`}>
        Add
      </button>
      {error !== null && <span className="error-text" role="alert">{describe(error)}</span>}
    </form>
  );
}

function GiftForm({ onAdded }: { onAdded: (gift: Gift) => void }) {
  const { api } = useAuth();
  const id = useId();
  const [name, setName] = useState('');
  const [stock, setStock] = useState('10');
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    try {
      onAdded(await api.addGift(name, Number(stock)));
      setName('');
      setError(null);
    } catch (failure) {
      setError(failure);
    } finally {
      setSending(false);
    }
  };
  return (
    <form className="form" onSubmit={add} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>New gift</h3>
      <div className="fields">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-stock`}>Initial stock</label>
          <input id={`${id}-stock`} type="number" min={0} value={stock} onChange={(e) => setStock(e.target.value)} required />
        </div>
      </div>
      {error !== null && <Notice tone="error">{describe(error)}</Notice>}
      <button type="submit" className="primary" disabled={sending}>
        {sending ? 'Adding…' : 'Add gift'}
      </button>
    </form>
  );
}
