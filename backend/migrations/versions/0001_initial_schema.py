"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orders',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('paid_at_ms', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    op.create_table('order_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_items_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_items'))
    )
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_items_order_id'), ['order_id'], unique=False)

    op.create_table('payment_sessions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('interruptions', sa.Integer(), nullable=False),
    sa.Column('last_interruption_reason', sa.String(length=24), nullable=True),
    sa.Column('gateway_contacted', sa.Boolean(), nullable=False),
    sa.Column('outcome_unknown', sa.Boolean(), nullable=False),
    sa.Column('settle_to', sa.String(length=24), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=True),
    sa.Column('card_brand', sa.String(length=16), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('upi_id', sa.String(length=100), nullable=True),
    sa.Column('decline_code', sa.String(length=64), nullable=True),
    sa.Column('gateway_charge_id', sa.String(length=64), nullable=True),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('updated_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('expires_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('finished_at_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_sessions_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_sessions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_sessions_idempotency_key'))
    )
    with op.batch_alter_table('payment_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_payment_sessions_created', ['created_at_ms'], unique=False)
        batch_op.create_index('ix_payment_sessions_status_expires', ['status', 'expires_at_ms'], unique=False)
        batch_op.create_index('ix_payment_sessions_status_finished', ['status', 'finished_at_ms'], unique=False)
        batch_op.create_index('uq_payment_sessions_open_order', ['order_id'], unique=True, sqlite_where=sa.text("status IN ('INITIATED', 'INTERRUPTED', 'OFFLINE_ACCEPTED', 'PROCESSING')"), postgresql_where=sa.text("status IN ('INITIATED', 'INTERRUPTED', 'OFFLINE_ACCEPTED', 'PROCESSING')"))

    op.create_table('session_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['payment_sessions.id'], name=op.f('fk_session_events_session_id_payment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_events'))
    )
    with op.batch_alter_table('session_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_events_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('session_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_events_session_id'))

    op.drop_table('session_events')
    with op.batch_alter_table('payment_sessions', schema=None) as batch_op:
        batch_op.drop_index('uq_payment_sessions_open_order', sqlite_where=sa.text("status IN ('INITIATED', 'INTERRUPTED', 'OFFLINE_ACCEPTED', 'PROCESSING')"), postgresql_where=sa.text("status IN ('INITIATED', 'INTERRUPTED', 'OFFLINE_ACCEPTED', 'PROCESSING')"))
        batch_op.drop_index('ix_payment_sessions_status_finished')
        batch_op.drop_index('ix_payment_sessions_status_expires')
        batch_op.drop_index('ix_payment_sessions_created')

    op.drop_table('payment_sessions')
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_items_order_id'))

    op.drop_table('order_items')
    op.drop_table('orders')
