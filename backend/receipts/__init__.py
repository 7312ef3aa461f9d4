"""What a customer takes away: the invoice number (invoice_series), the tax split (tax), the
receipt document (document) and its PDF copy (pdf)."""
