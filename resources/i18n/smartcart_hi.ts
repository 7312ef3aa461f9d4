<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="hi_IN">
<context>
    <name>CartScreen</name>
    <message>
        <source>Choose your items</source>
        <translation>अपना सामान चुनें</translation>
    </message>
    <message>
        <source>Your order</source>
        <translation>आपका ऑर्डर</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>हटाएँ</translation>
    </message>
    <message>
        <source>Checkout</source>
        <translation>भुगतान करें</translation>
    </message>
    <message>
        <source>Your cart is empty.</source>
        <translation>आपकी कार्ट खाली है।</translation>
    </message>
    <message>
        <source>Total {amount}</source>
        <translation>कुल {amount}</translation>
    </message>
</context>
<context>
    <name>CashPanel</name>
    <message>
        <source>Operator PIN</source>
        <translation>ऑपरेटर पिन</translation>
    </message>
    <message>
        <source>Cash received</source>
        <translation>मिली नकद राशि</translation>
    </message>
    <message>
        <source>Still due: {amount}</source>
        <translation>अभी बाकी: {amount}</translation>
    </message>
    <message>
        <source>Change: {amount}</source>
        <translation>लौटाने हैं: {amount}</translation>
    </message>
</context>
<context>
    <name>Countdown</name>
    <message>
        <source>Expires in {time}</source>
        <translation>समय बचा: {time}</translation>
    </message>
    <message>
        <source>The terminal waits {time}</source>
        <translation>टर्मिनल प्रतीक्षा करेगा: {time}</translation>
    </message>
</context>
<context>
    <name>KioskStatusBar</name>
    <message>
        <source>● Online</source>
        <translation>● ऑनलाइन</translation>
    </message>
    <message>
        <source>✖ Offline</source>
        <translation>✖ ऑफ़लाइन</translation>
    </message>
    <message>
        <source>● Checking…</source>
        <translation>● जाँच हो रही है…</translation>
    </message>
    <message>
        <source>✖ Backend unreachable</source>
        <translation>✖ सर्वर से संपर्क नहीं</translation>
    </message>
    <message>
        <source>{count} waiting to send</source>
        <translation>{count} भेजे जाने बाकी</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>सिंक हो गया</translation>
    </message>
    <message>
        <source>✖ Sync refused</source>
        <translation>✖ सिंक अस्वीकार</translation>
    </message>
    <message>
        <source>{count} to sync</source>
        <translation>{count} सिंक होने बाकी</translation>
    </message>
    <message>
        <source>The shop&apos;s server refused these payments, and will until this is fixed: {message}</source>
        <translation>दुकान के सर्वर ने ये भुगतान अस्वीकार कर दिए, और ठीक होने तक करता रहेगा: {message}</translation>
    </message>
    <message>
        <source>Whether the payment gateway (the bank) can be reached</source>
        <translation>क्या पेमेंट गेटवे (बैंक) से संपर्क हो पा रहा है</translation>
    </message>
    <message>
        <source>Payments accepted offline, sent to the bank when the connection returns</source>
        <translation>ऑफ़लाइन लिए गए भुगतान, कनेक्शन लौटने पर बैंक को भेजे जाएँगे</translation>
    </message>
    <message>
        <source>Payments recorded here, not yet copied to the shop&apos;s server</source>
        <translation>यहाँ दर्ज भुगतान, जो अभी दुकान के सर्वर पर नहीं पहुँचे</translation>
    </message>
    <message>
        <source>Session {id}</source>
        <translation>सत्र {id}</translation>
    </message>
</context>
<context>
    <name>PaymentScreen</name>
    <message>
        <source>A QR code for the exact amount appears on the next screen. Scan it with any UPI app.</source>
        <translation>अगली स्क्रीन पर सही राशि का QR कोड आएगा। उसे किसी भी UPI ऐप से स्कैन करें।</translation>
    </message>
    <message>
        <source>Pay on the card terminal beside this screen: tap, insert or swipe your card.</source>
        <translation>इस स्क्रीन के पास वाले कार्ड टर्मिनल पर भुगतान करें: कार्ड टैप करें, डालें या स्वाइप करें।</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>भुगतान</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>कार्ड नंबर</translation>
    </message>
    <message>
        <source>As printed on the card</source>
        <translation>जैसा कार्ड पर छपा है</translation>
    </message>
    <message>
        <source>Name on card</source>
        <translation>कार्ड पर नाम</translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation>समाप्ति तिथि</translation>
    </message>
    <message>
        <source>MM/YY</source>
        <translation>MM/YY</translation>
    </message>
    <message>
        <source>CVV</source>
        <translation>CVV</translation>
    </message>
    <message>
        <source>UPI ID</source>
        <translation>UPI आईडी</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>रद्द करें</translation>
    </message>
    <message>
        <source>Resume payment</source>
        <translation>भुगतान फिर शुरू करें</translation>
    </message>
    <message>
        <source>Order #{order}</source>
        <translation>ऑर्डर #{order}</translation>
    </message>
    <message>
        <source>Session {id}</source>
        <translation>सत्र {id}</translation>
    </message>
    <message>
        <source>Confirm cash received</source>
        <translation>नकद मिलने की पुष्टि करें</translation>
    </message>
    <message>
        <source>Resume payment {amount}</source>
        <translation>{amount} का भुगतान फिर शुरू करें</translation>
    </message>
    <message>
        <source>Show QR code · {amount}</source>
        <translation>QR कोड दिखाएँ · {amount}</translation>
    </message>
    <message>
        <source>Pay {amount} on the terminal</source>
        <translation>टर्मिनल पर {amount} चुकाएँ</translation>
    </message>
    <message>
        <source>Pay {amount}</source>
        <translation>{amount} चुकाएँ</translation>
    </message>
</context>
<context>
    <name>ProcessingScreen</name>
    <message>
        <source>Cancel payment</source>
        <translation>भुगतान रद्द करें</translation>
    </message>
    <message>
        <source>Session {id}</source>
        <translation>सत्र {id}</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} से.</translation>
    </message>
</context>
<context>
    <name>ProductTile</name>
    <message>
        <source>One less {product}</source>
        <translation>एक {product} कम</translation>
    </message>
    <message>
        <source>One more {product}</source>
        <translation>एक {product} और</translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <source>Printing the receipt…</source>
        <translation>रसीद छप रही है…</translation>
    </message>
    <message>
        <source>Receipt printed.</source>
        <translation>रसीद छप गई।</translation>
    </message>
    <message>
        <source>Tax invoice</source>
        <translation>कर बीजक</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>रसीद</translation>
    </message>
    <message>
        <source>Provisional receipt - payment accepted offline</source>
        <translation>अस्थायी रसीद - भुगतान ऑफ़लाइन स्वीकार हुआ</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>कार्ड</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>नकद</translation>
    </message>
    <message>
        <source>Card on terminal</source>
        <translation>टर्मिनल पर कार्ड</translation>
    </message>
    <message>
        <source>Visa card</source>
        <translation>वीज़ा कार्ड</translation>
    </message>
    <message>
        <source>Mastercard</source>
        <translation>मास्टरकार्ड</translation>
    </message>
    <message>
        <source>Amex card</source>
        <translation>एमेक्स कार्ड</translation>
    </message>
    <message>
        <source>RuPay card</source>
        <translation>रुपे कार्ड</translation>
    </message>
    <message>
        <source>{brand} ending {last4}</source>
        <translation>{brand}, अंतिम अंक {last4}</translation>
    </message>
    <message>
        <source>{brand} ending {last4} (terminal)</source>
        <translation>{brand}, अंतिम अंक {last4} (टर्मिनल)</translation>
    </message>
    <message>
        <source>Cash: received {received}, change {change}</source>
        <translation>नकद: मिले {received}, लौटाए {change}</translation>
    </message>
    <message>
        <source>C</source>
        <translation>hi_IN</translation>
    </message>
    <message>
        <source>dd MMM yyyy</source>
        <translation>dd MMMM yyyy</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>नया ऑर्डर</translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation>रसीद छापें</translation>
    </message>
    <message>
        <source>Back to cart</source>
        <translation>कार्ट पर लौटें</translation>
    </message>
    <message>
        <source>Use another method</source>
        <translation>दूसरा तरीका चुनें</translation>
    </message>
    <message>
        <source>Thank you! Please take your items.</source>
        <translation>धन्यवाद! कृपया अपना सामान ले लें।</translation>
    </message>
    <message>
        <source>Paid {amount}.</source>
        <translation>{amount} का भुगतान हुआ।</translation>
    </message>
    <message>
        <source>No money was taken. You can pay another way.</source>
        <translation>कोई पैसा नहीं कटा। आप दूसरे तरीके से भुगतान कर सकते हैं।</translation>
    </message>
    <message>
        <source>Back to the start in {seconds} s</source>
        <translation>{seconds} से. में शुरुआत पर वापस</translation>
    </message>
    <message>
        <source>Invoice no.</source>
        <translation>बिल नं.</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>तारीख</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>ऑर्डर</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>सामान</translation>
    </message>
    <message>
        <source>Taxable value</source>
        <translation>कर योग्य मूल्य</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>कुल</translation>
    </message>
    <message>
        <source>Paid with</source>
        <translation>भुगतान का तरीका</translation>
    </message>
    <message>
        <source>Bank reference</source>
        <translation>बैंक संदर्भ</translation>
    </message>
</context>
<context>
    <name>TerminalScreen</name>
    <message>
        <source>Cancel payment</source>
        <translation>भुगतान रद्द करें</translation>
    </message>
    <message>
        <source>Terminal {id}</source>
        <translation>टर्मिनल {id}</translation>
    </message>
    <message>
        <source>Session {id}</source>
        <translation>सत्र {id}</translation>
    </message>
</context>
<context>
    <name>UpiQrScreen</name>
    <message>
        <source>Cancel payment</source>
        <translation>भुगतान रद्द करें</translation>
    </message>
    <message>
        <source>To {payee}</source>
        <translation>प्राप्तकर्ता: {payee}</translation>
    </message>
    <message>
        <source>Session {id}</source>
        <translation>सत्र {id}</translation>
    </message>
</context>
<context>
    <name>dialogs</name>
    <message>
        <source>Cancel</source>
        <translation>रद्द करें</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>फिर कोशिश करें</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>अभी फिर कोशिश करें</translation>
    </message>
    <message>
        <source>Cancel and pay cash</source>
        <translation>रद्द करें और नकद दें</translation>
    </message>
    <message>
        <source>Yes, leave</source>
        <translation>हाँ, बाहर निकलें</translation>
    </message>
    <message>
        <source>No, stay</source>
        <translation>नहीं, रुकें</translation>
    </message>
    <message>
        <source>Cancel it</source>
        <translation>इसे रद्द करें</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>फिर शुरू करें</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>If you leave, the payment is paused and can be resumed when SmartCart starts again.</source>
        <translation>बाहर निकलने पर भुगतान रुक जाएगा और SmartCart दोबारा शुरू होने पर फिर शुरू किया जा सकेगा।</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>रद्द हो रहा है…</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>कृपया प्रतीक्षा करें…</translation>
    </message>
    <message>
        <source>Payment interrupted</source>
        <translation>भुगतान रुक गया</translation>
    </message>
    <message>
        <source>Please choose how to continue.</source>
        <translation>कृपया चुनें कि आगे क्या करना है।</translation>
    </message>
    <message>
        <source>Please do not remove your card or close this window.</source>
        <translation>कृपया कार्ड न निकालें और यह विंडो बंद न करें।</translation>
    </message>
    <message>
        <source>Processing payment...</source>
        <translation>भुगतान हो रहा है...</translation>
    </message>
    <message>
        <source>Payment request submitted! Waiting for verification...</source>
        <translation>भुगतान अनुरोध भेज दिया गया! पुष्टि की प्रतीक्षा है...</translation>
    </message>
    <message>
        <source>Payment complete</source>
        <translation>भुगतान पूरा हुआ</translation>
    </message>
    <message>
        <source>Payment cancelled</source>
        <translation>भुगतान रद्द हुआ</translation>
    </message>
    <message>
        <source>Payment cancelled. Your money is safe: if anything was taken it will be refunded automatically.</source>
        <translation>भुगतान रद्द हुआ। आपका पैसा सुरक्षित है: अगर कुछ कटा है तो वह अपने-आप वापस आ जाएगा।</translation>
    </message>
    <message>
        <source>Cancelling… making sure no charge stands at the bank.</source>
        <translation>रद्द हो रहा है… बैंक से पक्का कर रहे हैं कि कोई पैसा न कटे।</translation>
    </message>
    <message>
        <source>Checking with the bank before closing this payment…</source>
        <translation>यह भुगतान बंद करने से पहले बैंक से जाँच हो रही है…</translation>
    </message>
    <message>
        <source>Maximum retry attempts exceeded.</source>
        <translation>दोबारा कोशिश की सीमा पूरी हो गई।</translation>
    </message>
    <message>
        <source>No charge was made. You can try again from the cart.</source>
        <translation>कोई पैसा नहीं कटा। आप कार्ट से फिर कोशिश कर सकते हैं।</translation>
    </message>
    <message>
        <source>This payment session expired.</source>
        <translation>इस भुगतान का समय समाप्त हो गया।</translation>
    </message>
    <message>
        <source>No charge was made. You can start again from the cart.</source>
        <translation>कोई पैसा नहीं कटा। आप कार्ट से फिर शुरू कर सकते हैं।</translation>
    </message>
    <message>
        <source>Payment accepted offline</source>
        <translation>भुगतान ऑफ़लाइन स्वीकार हुआ</translation>
    </message>
    <message>
        <source>It will be sent to the bank as soon as the connection is back. Please take your items.</source>
        <translation>कनेक्शन लौटते ही इसे बैंक को भेज दिया जाएगा। कृपया अपना सामान ले लें।</translation>
    </message>
    <message>
        <source>Accepted offline — will be sent when the connection returns</source>
        <translation>ऑफ़लाइन स्वीकार — कनेक्शन लौटने पर भेजा जाएगा</translation>
    </message>
    <message>
        <source>This payment cannot be accepted while offline.</source>
        <translation>ऑफ़लाइन रहते यह भुगतान स्वीकार नहीं हो सकता।</translation>
    </message>
    <message>
        <source>You can cancel this card or UPI payment and pay in cash instead.</source>
        <translation>आप यह कार्ड या UPI भुगतान रद्द करके नकद दे सकते हैं।</translation>
    </message>
    <message>
        <source>Payment is in progress. Are you sure you want to leave?</source>
        <translation>भुगतान चल रहा है। क्या आप सचमुच बाहर निकलना चाहते हैं?</translation>
    </message>
    <message>
        <source>We are checking whether the last attempt went through — you will never be charged twice.</source>
        <translation>हम जाँच रहे हैं कि पिछली कोशिश सफल हुई या नहीं — आपसे दो बार पैसा कभी नहीं कटेगा।</translation>
    </message>
    <message>
        <source>Wrong operator PIN: nothing was charged.</source>
        <translation>ऑपरेटर पिन गलत है: कोई पैसा नहीं लिया गया।</translation>
    </message>
    <message>
        <source>Scan the QR code with any UPI app</source>
        <translation>किसी भी UPI ऐप से QR कोड स्कैन करें</translation>
    </message>
    <message>
        <source>Then approve the payment on your phone. This screen moves on by itself.</source>
        <translation>फिर अपने फ़ोन पर भुगतान स्वीकार करें। यह स्क्रीन अपने-आप आगे बढ़ेगी।</translation>
    </message>
    <message>
        <source>This QR code has expired. Closing it…</source>
        <translation>इस QR कोड का समय समाप्त हो गया। इसे बंद कर रहे हैं…</translation>
    </message>
    <message>
        <source>Tap, insert or swipe on the terminal</source>
        <translation>टर्मिनल पर कार्ड टैप करें, डालें या स्वाइप करें</translation>
    </message>
    <message>
        <source>Follow the instructions on the terminal. Your card never touches this screen.</source>
        <translation>टर्मिनल पर दिए निर्देशों का पालन करें। आपका कार्ड इस स्क्रीन तक कभी नहीं आता।</translation>
    </message>
    <message>
        <source>The terminal stopped waiting. Closing this payment…</source>
        <translation>टर्मिनल का समय समाप्त हो गया। यह भुगतान बंद कर रहे हैं…</translation>
    </message>
    <message>
        <source>Enter the payment details again to resume this payment.</source>
        <translation>यह भुगतान फिर शुरू करने के लिए भुगतान विवरण दोबारा भरें।</translation>
    </message>
    <message>
        <source>The card was declined by the bank.</source>
        <translation>बैंक ने कार्ड अस्वीकार कर दिया।</translation>
    </message>
    <message>
        <source>The card was declined: insufficient funds.</source>
        <translation>कार्ड अस्वीकार हुआ: खाते में पर्याप्त राशि नहीं है।</translation>
    </message>
    <message>
        <source>The UPI payment was declined.</source>
        <translation>UPI भुगतान अस्वीकार हो गया।</translation>
    </message>
    <message>
        <source>Payment timeout (attempt {attempt}). You can retry or cancel.</source>
        <translation>भुगतान का समय समाप्त (कोशिश {attempt})। आप फिर कोशिश कर सकते हैं या रद्द कर सकते हैं।</translation>
    </message>
    <message>
        <source>Network error detected (attempt {attempt}). Would you like to retry?</source>
        <translation>नेटवर्क में गड़बड़ी (कोशिश {attempt})। क्या फिर कोशिश करें?</translation>
    </message>
    <message>
        <source>The bank still cannot be reached (attempt {attempt}). Would you like to retry?</source>
        <translation>बैंक से अब भी संपर्क नहीं हो पा रहा (कोशिश {attempt})। क्या फिर कोशिश करें?</translation>
    </message>
    <message>
        <source>Payment interrupted (attempt {attempt}). You can retry or cancel.</source>
        <translation>भुगतान रुक गया (कोशिश {attempt})। आप फिर कोशिश कर सकते हैं या रद्द कर सकते हैं।</translation>
    </message>
    <message>
        <source>The bank cannot be reached (attempt {attempt}).</source>
        <translation>बैंक से संपर्क नहीं हो पा रहा (कोशिश {attempt})।</translation>
    </message>
    <message>
        <source>Tap “Retry now” when the connection is back.</source>
        <translation>कनेक्शन लौटने पर “अभी फिर कोशिश करें” दबाएँ।</translation>
    </message>
    <message>
        <source>Retrying now…</source>
        <translation>अभी फिर कोशिश हो रही है…</translation>
    </message>
    <message>
        <source>Retrying automatically in {seconds} s…</source>
        <translation>{seconds} से. में अपने-आप फिर कोशिश होगी…</translation>
    </message>
    <message>
        <source>The payment was declined.</source>
        <translation>भुगतान अस्वीकार हो गया।</translation>
    </message>
    <message>
        <source>An unfinished payment for order #{order} ({amount}) was found.</source>
        <translation>ऑर्डर #{order} ({amount}) का एक अधूरा भुगतान मिला।</translation>
    </message>
    <message>
        <source>Attempt {number} of {total}</source>
        <translation>कोशिश {number} / {total}</translation>
    </message>
</context>
<context>
    <name>payment_methods</name>
    <message>
        <source>UPI (scan QR)</source>
        <translation>UPI (QR स्कैन करें)</translation>
    </message>
    <message>
        <source>Card on terminal</source>
        <translation>टर्मिनल पर कार्ड</translation>
    </message>
    <message>
        <source>Cash (operator)</source>
        <translation>नकद (ऑपरेटर)</translation>
    </message>
    <message>
        <source>Typed card (tester)</source>
        <translation>कार्ड नंबर लिखें (टेस्टर)</translation>
    </message>
    <message>
        <source>UPI ID (tester)</source>
        <translation>UPI आईडी (टेस्टर)</translation>
    </message>
</context>
</TS>
